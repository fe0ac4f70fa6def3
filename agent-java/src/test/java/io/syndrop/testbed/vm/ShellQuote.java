package io.syndrop.testbed.vm;

/** POSIX sh quoting, so an argument reaches the guest command unchanged. */
final class ShellQuote {

  private ShellQuote() {}

  static String quote(String word) {
    if (!word.isEmpty() && word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
