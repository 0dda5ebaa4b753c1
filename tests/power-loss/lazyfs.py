#!/usr/bin/env python3
"""lazyfs: a FUSE filesystem that forgets everything not fsynced when the power is cut.

Usage: python3 lazyfs.py [--wait] <backing-dir> <mountpoint>
  --wait: import, then read one line from stdin before reading the backing directory and mounting (the
          harness starts the next cycle's lazyfs while the current cycle runs; Python's imports are slow).

The idea is LazyFS's (Ramos et al., "When amnesia strikes", VLDB 2024): a database's "committed" claim is
only as good as its fsync calls, and a `kill -9` cannot test that because the kernel keeps the killed
process's writes in its page cache and writes them out later. Here the page cache is ours, so we can lose
it on purpose.

Model (what a power cut does to a POSIX filesystem, pessimistically):
  * The *durable* state is loaded from <backing-dir> at mount. While mounted, every file and directory has
    two versions in memory: the *volatile* one every process sees (the page cache and the dentry cache)
    and the *durable* one (what the disk holds).
  * write/truncate change only the volatile file. fsync/fdatasync of a file copies its dirty pages and its
    size to the durable file (fsync and fdatasync are the same here: we keep no timestamps worth syncing).
  * create/mkdir/unlink/rmdir/rename change only the volatile directory. fsync of a directory (FUSE
    FSYNCDIR) copies that directory's entries to the durable directory. A new file that was fsynced but
    whose directory never was is lost at a power cut, as POSIX allows (fsync(2): "Calling fsync() does not
    necessarily ensure that the entry in the directory containing the file has also reached disk"). SQLite
    knows this and fsyncs the directory after creating a -wal or rollback journal (UNIXFILE_DIRSYNC).
  * Writing `crash` to /.lazyfs-ctl cuts the power: the durable tree is written to <backing-dir> (replacing
    what was there), and every later operation fails with EIO, as a disk that has lost power would, until
    the filesystem is unmounted and mounted again. `crash torn <seed>` first lets a seeded random subset of
    the unsynced dirty pages (and of the unsynced size changes) reach the disk: the kernel writes dirty pages
    back in any order and at any time before fsync, so a crash may keep some of them. Either way what an
    fsync returned for is kept.
  * A clean unmount (umount/fusermount -u without a crash) writes the volatile state, as the kernel flushes
    everything on umount.

Not modelled (stated so nobody reads more into a green test than it proves):
  * Torn sectors: a 4 KiB page lands whole or not at all (SQLite's default powersafe-overwrite assumption).
  * Lying disks: an fsync that returned is durable.
  * Unsynced namespace changes are all lost at a crash (never partly kept), and attributes (mode, owner,
    times) are kept as they are at the crash.
  * Hard links, symlinks, xattrs, file locks (the kernel handles POSIX locks for FUSE locally), and
    O_DIRECT. Memory is not reclaimed for unlinked files until unmount (the tests' files are small).
  * mmap: MAP_SHARED works through the kernel's page cache (no direct_io here), and dirty mapped pages come
    back to us as ordinary writes whenever the kernel writes them back. That is the case of SQLite's -shm
    file, whose content SQLite rebuilds from the WAL after a crash anyway.
"""

import errno
import os
import random
import shutil
import signal
import stat
import sys
import time

import pyfuse3
import trio

PAGE = 4096
CTL_NAME = b'.lazyfs-ctl'
# The kernel may cache names and attributes for this long. We are the only writer of the mount, and the
# kernel updates its cached size itself on write/truncate, so a short cache is safe and saves round trips.
CACHE_TIMEOUT = 1.0


class Node:
    """One inode: a file (data) or a directory (entries), each with a volatile and a durable version."""

    def __init__(self, ino, mode, uid, gid, data=b'', entries=None):
        self.ino = ino
        self.mode = mode
        self.uid = uid
        self.gid = gid
        now = time.time_ns()
        self.atime = self.mtime = self.ctime = now
        if stat.S_ISDIR(mode):
            self.entries = dict(entries or {})  # name (bytes) -> ino: what readdir/lookup see
            self.durable_entries = dict(self.entries)  # what is on disk
        else:
            self.data = bytearray(data)  # the page cache: every read and write goes here
            self.durable = bytearray(data)  # the disk's copy
            self.dirty = set()  # page numbers written or truncated since the last fsync
            self.size_dirty = False  # the size changed since the last fsync

    @property
    def is_dir(self):
        return stat.S_ISDIR(self.mode)

    def mark_dirty(self, start, end):
        """Pages covering bytes [start, end) no longer match the disk."""
        if end > start:
            self.dirty.update(range(start // PAGE, (end - 1) // PAGE + 1))

    def sync(self):
        """fsync: the disk now holds exactly what the page cache holds."""
        self.persist(self.dirty, len(self.data))
        self.dirty.clear()
        self.size_dirty = False

    def persist(self, pages, size):
        """Write some dirty pages (and a file size) to the disk copy, as kernel writeback would."""
        if len(self.durable) > size:
            del self.durable[size:]
        elif len(self.durable) < size:
            self.durable.extend(b'\0' * (size - len(self.durable)))
        for p in pages:
            start = p * PAGE
            end = min(start + PAGE, size, len(self.data))
            if start < end:
                self.durable[start:end] = self.data[start:end]


class LazyFS(pyfuse3.Operations):
    supports_dot_lookup = True
    enable_writeback_cache = False  # every write() reaches us at once: we are the page cache

    def __init__(self, backing):
        super().__init__()
        self.backing = backing
        self.nodes = {}
        self.next_ino = pyfuse3.ROOT_INODE
        self.handles = {}  # fh -> ino
        self.next_fh = 1
        self.crashed = False
        st = os.stat(backing)
        root = self._load(backing, st)
        assert root.ino == pyfuse3.ROOT_INODE
        self.ctl = self._new_node(stat.S_IFREG | 0o600, 0, 0)

    # ---- durable state on the backing directory -------------------------------------------------------

    def _new_node(self, mode, uid, gid, **kw):
        node = Node(self.next_ino, mode, uid, gid, **kw)
        self.nodes[node.ino] = node
        self.next_ino += 1
        return node

    def _load(self, path, st):
        """Read the backing tree: at mount, the disk and the (empty) page cache agree."""
        if stat.S_ISDIR(st.st_mode):
            node = self._new_node(st.st_mode, st.st_uid, st.st_gid)
            for name in sorted(os.listdir(path)):
                child_path = os.path.join(path, name)
                child_st = os.lstat(child_path)
                if stat.S_ISDIR(child_st.st_mode) or stat.S_ISREG(child_st.st_mode):
                    node.entries[os.fsencode(name)] = self._load(child_path, child_st).ino
            node.durable_entries = dict(node.entries)
        else:
            with open(path, 'rb') as f:
                node = self._new_node(st.st_mode, st.st_uid, st.st_gid, data=f.read())
        node.atime, node.mtime, node.ctime = st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns
        return node

    def _write_out(self, volatile):
        """Replace the backing tree by the durable tree (or, at a clean unmount, the volatile one)."""
        for name in os.listdir(self.backing):
            p = os.path.join(self.backing, name)
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p)
            else:
                os.unlink(p)

        def write(node, path):
            entries = node.entries if volatile else node.durable_entries
            for name, ino in entries.items():
                child = self.nodes[ino]
                child_path = os.path.join(path, os.fsdecode(name))
                if child.is_dir:
                    os.mkdir(child_path)
                    write(child, child_path)
                else:
                    with open(child_path, 'wb') as f:
                        f.write(child.data if volatile else child.durable)
                        os.fsync(f.fileno())
                os.chown(child_path, child.uid, child.gid)
                os.chmod(child_path, stat.S_IMODE(child.mode))
                os.utime(child_path, ns=(child.atime, child.mtime))
            dfd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            os.fsync(dfd)
            os.close(dfd)

        write(self.nodes[pyfuse3.ROOT_INODE], self.backing)

    def crash(self, torn_seed=None):
        """Power cut: the disk keeps what was fsynced (plus, if torn, a random part of the rest)."""
        if self.crashed:
            return
        if torn_seed is not None:
            rng = random.Random(torn_seed)
            for node in self.nodes.values():
                if node.is_dir or not (node.dirty or node.size_dirty):
                    continue
                # Writeback reached the disk for some pages, in no particular order; the size on disk is the
                # old one or the new one (an extending write's size update may or may not have landed).
                size = len(node.data) if (node.size_dirty and rng.random() < 0.5) else len(node.durable)
                pages = [p for p in sorted(node.dirty) if rng.random() < 0.5]
                node.persist(pages, size)
        self.crashed = True
        self._write_out(volatile=False)

    # ---- helpers ----------------------------------------------------------------------------------------

    def _check(self, ino=None):
        if self.crashed and ino != self.ctl.ino:
            raise pyfuse3.FUSEError(errno.EIO)  # the disk has no power

    def _node(self, ino):
        node = self.nodes.get(ino)
        if node is None:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return node

    def _attr(self, node):
        a = pyfuse3.EntryAttributes()
        a.st_ino = node.ino
        a.generation = 0
        a.entry_timeout = CACHE_TIMEOUT
        a.attr_timeout = CACHE_TIMEOUT
        a.st_mode = node.mode
        a.st_nlink = 2 if node.is_dir else 1
        a.st_uid = node.uid
        a.st_gid = node.gid
        a.st_rdev = 0
        a.st_size = 0 if node.is_dir else len(node.data)
        a.st_blksize = PAGE
        a.st_blocks = (a.st_size + 511) // 512
        a.st_atime_ns = node.atime
        a.st_mtime_ns = node.mtime
        a.st_ctime_ns = node.ctime
        return a

    def _dir(self, ino):
        node = self._node(ino)
        if not node.is_dir:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        return node

    def _entry(self, parent, name):
        ino = parent.entries.get(name)
        if ino is None:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return ino

    def _touch(self, node):
        node.mtime = node.ctime = time.time_ns()

    # ---- namespace --------------------------------------------------------------------------------------

    async def lookup(self, parent_inode, name, ctx=None):
        if parent_inode == pyfuse3.ROOT_INODE and name == CTL_NAME:
            return self._attr(self.ctl)
        self._check()
        parent = self._dir(parent_inode)
        if name == b'.':
            return self._attr(parent)
        if name == b'..':
            for node in self.nodes.values():
                if node.is_dir and parent_inode in node.entries.values():
                    return self._attr(node)
            return self._attr(parent)
        ino = self._entry(parent, name)
        return self._attr(self.nodes[ino])

    async def getattr(self, inode, ctx=None):
        if inode != self.ctl.ino:
            self._check()
        return self._attr(self._node(inode))

    async def setattr(self, inode, attr, fields, fh, ctx):
        node = self._node(inode)
        self._check(inode)
        if fields.update_size and not node.is_dir and inode != self.ctl.ino:
            old, new = len(node.data), attr.st_size
            if new < old:
                del node.data[new:]
                node.mark_dirty(new, old)
            elif new > old:
                node.data.extend(b'\0' * (new - old))
                node.mark_dirty(old, new)
            node.size_dirty = node.size_dirty or new != old
            self._touch(node)
        if fields.update_mode:
            node.mode = (node.mode & ~0o7777) | (attr.st_mode & 0o7777)
        if fields.update_uid:
            node.uid = attr.st_uid
        if fields.update_gid:
            node.gid = attr.st_gid
        if fields.update_atime:
            node.atime = attr.st_atime_ns
        if fields.update_mtime:
            node.mtime = attr.st_mtime_ns
        node.ctime = time.time_ns()
        return self._attr(node)

    def _add(self, parent_inode, name, mode, ctx):
        parent = self._dir(parent_inode)
        if name in parent.entries or (parent_inode == pyfuse3.ROOT_INODE and name == CTL_NAME):
            raise pyfuse3.FUSEError(errno.EEXIST)
        node = self._new_node(mode, ctx.uid, ctx.gid)
        parent.entries[name] = node.ino  # volatile until the directory is fsynced
        self._touch(parent)
        return node

    async def mkdir(self, parent_inode, name, mode, ctx):
        self._check()
        return self._attr(self._add(parent_inode, name, stat.S_IFDIR | (mode & ~ctx.umask & 0o7777), ctx))

    async def mknod(self, parent_inode, name, mode, rdev, ctx):
        self._check()
        if not stat.S_ISREG(mode):
            raise pyfuse3.FUSEError(errno.EPERM)
        return self._attr(self._add(parent_inode, name, stat.S_IFREG | (mode & ~ctx.umask & 0o7777), ctx))

    async def create(self, parent_inode, name, mode, flags, ctx):
        self._check()
        node = self._add(parent_inode, name, stat.S_IFREG | (mode & ~ctx.umask & 0o7777), ctx)
        return self._open_handle(node.ino), self._attr(node)

    async def unlink(self, parent_inode, name, ctx):
        self._check()
        parent = self._dir(parent_inode)
        ino = self._entry(parent, name)
        if self.nodes[ino].is_dir:
            raise pyfuse3.FUSEError(errno.EISDIR)
        del parent.entries[name]  # the inode lives on: open handles and the durable tree may still use it
        self._touch(parent)

    async def rmdir(self, parent_inode, name, ctx):
        self._check()
        parent = self._dir(parent_inode)
        ino = self._entry(parent, name)
        if not self.nodes[ino].is_dir:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        if self.nodes[ino].entries:
            raise pyfuse3.FUSEError(errno.ENOTEMPTY)
        del parent.entries[name]
        self._touch(parent)

    async def rename(self, parent_inode_old, name_old, parent_inode_new, name_new, flags, ctx):
        self._check()
        if flags:
            raise pyfuse3.FUSEError(errno.EINVAL)  # RENAME_EXCHANGE/NOREPLACE: not needed by SQLite
        old_parent = self._dir(parent_inode_old)
        new_parent = self._dir(parent_inode_new)
        ino = self._entry(old_parent, name_old)
        target = new_parent.entries.get(name_new)
        if target is not None and self.nodes[target].is_dir:
            if not self.nodes[ino].is_dir:
                raise pyfuse3.FUSEError(errno.EISDIR)
            if self.nodes[target].entries:
                raise pyfuse3.FUSEError(errno.ENOTEMPTY)
        # Atomic in the volatile view; durable once the directory (both, if they differ) is fsynced.
        del old_parent.entries[name_old]
        new_parent.entries[name_new] = ino
        self._touch(old_parent)
        self._touch(new_parent)

    async def link(self, inode, new_parent_inode, new_name, ctx):
        raise pyfuse3.FUSEError(errno.EPERM)

    async def symlink(self, parent_inode, name, target, ctx):
        raise pyfuse3.FUSEError(errno.EPERM)

    async def forget(self, inode_list):
        pass  # inodes are kept until unmount (see "Not modelled")

    # ---- directories ------------------------------------------------------------------------------------

    async def opendir(self, inode, ctx):
        self._check()
        self._dir(inode)
        return inode  # the directory handle is the inode number

    async def readdir(self, fh, start_id, token):
        self._check()
        node = self._dir(fh)
        listing = sorted(node.entries.items())
        if fh == pyfuse3.ROOT_INODE:
            listing = sorted(listing + [(CTL_NAME, self.ctl.ino)])
        for i, (name, ino) in enumerate(listing):
            if i < start_id:
                continue
            if not pyfuse3.readdir_reply(token, name, self._attr(self.nodes[ino]), i + 1):
                break

    async def releasedir(self, fh):
        pass

    async def fsyncdir(self, fh, datasync):
        """fsync(dirfd): this directory's creates, unlinks and renames are now on disk."""
        self._check()
        node = self._dir(fh)
        node.durable_entries = dict(node.entries)

    # ---- files ------------------------------------------------------------------------------------------

    def _open_handle(self, ino):
        fh = self.next_fh
        self.next_fh += 1
        self.handles[fh] = ino
        # keep_cache: the kernel's page cache stays valid between opens, since every change goes through it.
        return pyfuse3.FileInfo(fh=fh, keep_cache=True)

    async def open(self, inode, flags, ctx):
        node = self._node(inode)
        self._check(inode)
        if node.is_dir:
            raise pyfuse3.FUSEError(errno.EISDIR)
        return self._open_handle(inode)

    async def read(self, fh, off, size):
        ino = self.handles[fh]
        self._check(ino)
        if ino == self.ctl.ino:
            return b'crashed\n' if self.crashed else b'running\n'
        return bytes(self.nodes[ino].data[off:off + size])

    async def write(self, fh, off, buf):
        ino = self.handles[fh]
        if ino == self.ctl.ino:
            self._control(buf.decode('ascii', 'replace').split())
            return len(buf)
        self._check()
        node = self.nodes[ino]
        end = off + len(buf)
        if end > len(node.data):
            node.data.extend(b'\0' * (end - len(node.data)))
            node.size_dirty = True
        node.data[off:end] = buf  # into the page cache only: the disk does not see this before fsync
        node.mark_dirty(off, end)
        self._touch(node)
        return len(buf)

    async def flush(self, fh):
        pass  # close() flushes nothing to disk: only fsync does

    async def release(self, fh):
        self.handles.pop(fh, None)

    async def fsync(self, fh, datasync):
        ino = self.handles[fh]
        self._check(ino)
        if ino != self.ctl.ino:
            self.nodes[ino].sync()

    async def statfs(self, ctx):
        s = pyfuse3.StatvfsData()
        s.f_bsize = s.f_frsize = PAGE
        s.f_blocks = s.f_bfree = s.f_bavail = 1 << 20
        s.f_files = s.f_ffree = s.f_favail = 1 << 20
        s.f_namemax = 255
        return s

    async def access(self, inode, mode, ctx):
        self._check(inode)
        return True

    # ---- control ----------------------------------------------------------------------------------------

    def _control(self, words):
        if words[:1] == ['crash']:
            torn = len(words) >= 3 and words[1] == 'torn'
            self.crash(int(words[2]) if torn else None)
            log(f'crashed{" (torn)" if torn else ""}')
        elif words[:1] == ['sync']:
            self._check()
            for node in self.nodes.values():
                if node.is_dir:
                    node.durable_entries = dict(node.entries)
                else:
                    node.sync()
        else:
            raise pyfuse3.FUSEError(errno.EINVAL)


def log(msg):
    print(f'lazyfs: {msg}', file=sys.stderr, flush=True)


def main():
    args = sys.argv[1:]
    wait = args[:1] == ['--wait']
    if wait:
        args = args[1:]
    if len(args) != 2:
        print(__doc__.splitlines()[2], file=sys.stderr)
        sys.exit(2)
    backing, mountpoint = (os.path.abspath(p) for p in args)
    if wait and sys.stdin.readline() != 'mount\n':
        sys.exit(0)  # not wanted after all
    fs = LazyFS(backing)
    options = set(pyfuse3.default_options)
    options.add('fsname=lazyfs')
    pyfuse3.init(fs, mountpoint, options)

    async def run():
        async with trio.open_nursery() as nursery:
            async def on_signal():
                with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
                    async for _ in signals:
                        pyfuse3.terminate()
                        return

            nursery.start_soon(on_signal)
            print('mounted', flush=True)  # the harness waits for this line
            await pyfuse3.main()
            nursery.cancel_scope.cancel()

    try:
        trio.run(run)
    finally:
        pyfuse3.close(unmount=True)
    if not fs.crashed:
        fs._write_out(volatile=True)  # a clean unmount: the kernel would have flushed everything
    log('unmounted')


if __name__ == '__main__':
    main()
