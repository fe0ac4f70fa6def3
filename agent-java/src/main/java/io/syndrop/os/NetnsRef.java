package io.syndrop.os;


/** The inode of what users pass to --netns; parsing is {@link NetnsTarget#parse}, the one parser of namespace references. */
public final class NetnsRef {
    private NetnsRef() {}

    public static long inode(String ref) {
        return NetnsTarget.parse(ref).inode();
    }
}
