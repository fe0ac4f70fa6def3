package io.syndrop.bcc;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The few libc calls the BCC loader needs: fd juggling to capture what libbcc prints. */
interface Libc extends Library {
    Libc INSTANCE = Native.load("c", Libc.class);

    int O_WRONLY = 01;
    int O_CREAT = 0100;
    int O_TRUNC = 01000;

    int open(String path, int flags, int mode);

    int dup(int fd);

    int dup2(int oldFd, int newFd);

    int close(int fd);

    /** fflush(NULL) flushes every C stdio stream, including the one std::cout writes through. */
    int fflush(Pointer stream);

    int setenv(String name, String value, int overwrite);

    int unsetenv(String name);
}
