# Vigil's SSH helper: sent over stdin and run by the target's python3
# (`python3 -c 'import sys;exec(sys.stdin.buffer.read(N))'`); nothing is
# written on the target, except by the restore and cleantemps requests that
# remediation over SSH makes (and only on the paths they name). It serves pipelined requests over its stdin and
# stdout until stdin closes.
#
# Request:  u32 length, then JSON {"i": id, "o": op, ...arguments}.
# Response: u32 length, u32 id, u32 header length, JSON header, payload.
#   header {"r": result} or {"e": errno name, "m": message}; the payload
#   carries file contents and attribute values (binary).
# Python 3.6+ and the standard library only.
import sys, os, json, struct, stat as S, errno, threading, subprocess, signal, base64

_in = sys.stdin.buffer
_out = sys.stdout.buffer
_lock = threading.Lock()
ENC = 'surrogateescape'


def send(i, header, payload=b''):
    h = json.dumps(header, separators=(',', ':')).encode('utf-8', ENC)
    frame = struct.pack('>III', 8 + len(h) + len(payload), i, len(h)) + h + payload
    with _lock:
        _out.write(frame)
        _out.flush()


def fail(i, code, msg=''):
    send(i, {'e': code, 'm': msg})


def st(s):
    r = [s.st_mode, s.st_uid, s.st_gid, s.st_size, s.st_dev, s.st_ino, s.st_nlink,
         s.st_atime_ns // 1000 / 1000.0, s.st_mtime_ns // 1000 / 1000.0, s.st_ctime_ns // 1000 / 1000.0]
    if S.S_ISCHR(s.st_mode) or S.S_ISBLK(s.st_mode):
        r.append(s.st_rdev)
    return r


def p(a):
    return os.fsencode(a['p'])


TYPES = {S.S_IFREG: 'f', S.S_IFDIR: 'd', S.S_IFLNK: 'l', S.S_IFIFO: 'p', S.S_IFSOCK: 's', S.S_IFBLK: 'b', S.S_IFCHR: 'c'}


def kind(mode):
    return {'f': 'regular', 'd': 'directory', 'l': 'symlink', 'p': 'fifo', 's': 'socket', 'b': 'block', 'c': 'character'}.get(TYPES.get(S.S_IFMT(mode)), 'unknown')


class Refused(Exception):
    def __init__(self, code, msg):
        Exception.__init__(self, msg)
        self.code = code


def op_read(a):
    path = p(a)
    limit = a.get('max', 128 << 20)
    special = a.get('special', False)
    fd = os.open(path, os.O_RDONLY | (0 if special else os.O_NONBLOCK))
    try:
        s = os.fstat(fd)
        if S.S_ISDIR(s.st_mode):
            raise OSError(errno.EISDIR, 'Is a directory')
        if not S.S_ISREG(s.st_mode) and not special:
            raise Refused('EINVAL', '%s is a %s, not a regular file: not read' % (a['p'], kind(s.st_mode)))
        if s.st_size > limit:
            raise Refused('EFBIG', '%s is larger than %d bytes: not read' % (a['p'], limit))
        parts = []
        total = 0
        while True:
            b = os.read(fd, min(max(s.st_size + 1, 65536), limit + 1 - total) or 1)
            if not b:
                break
            total += len(b)
            if total > limit:
                raise Refused('EFBIG', '%s is larger than %d bytes: not read' % (a['p'], limit))
            parts.append(b)
        return None, b''.join(parts)
    finally:
        os.close(fd)


def op_range(a):
    fd = os.open(p(a), os.O_RDONLY | os.O_NONBLOCK)
    try:
        s = os.fstat(fd)
        if S.S_ISDIR(s.st_mode):
            raise OSError(errno.EISDIR, 'Is a directory')
        if not S.S_ISREG(s.st_mode):
            raise Refused('EINVAL', '%s is a %s, not a regular file: not read' % (a['p'], kind(s.st_mode)))
        want = a['n']
        parts = []
        off = a['off']
        while want > 0:
            b = os.pread(fd, want, off)
            if not b:
                break
            parts.append(b)
            off += len(b)
            want -= len(b)
        return None, b''.join(parts)
    finally:
        os.close(fd)


def entry_type(e):
    try:
        if e.is_symlink():
            return 'l'
        if e.is_dir(follow_symlinks=False):
            return 'd'
        if e.is_file(follow_symlinks=False):
            return 'f'
    except OSError:
        return '?'
    return '?'  # fifo, socket, device: lstat tells


def listing(path, examine):
    out = []
    with os.scandir(path) as it:
        for e in it:
            t = entry_type(e)
            info = None
            if examine == 'all' or (examine == 'directories' and t in ('d', '?')) or t == '?':
                try:
                    s = os.lstat(e.path)
                    info = st(s)
                    t = TYPES.get(S.S_IFMT(s.st_mode), '?')
                except OSError:
                    info = None
            out.append([os.fsdecode(e.name), t, info])
    return out


def op_readdir(a):
    return listing(p(a), a.get('x', 'none')), b''


def op_tree(a):
    # The listings (entries examined) of a directory and of the directories
    # below it, breadth first, at most a['max'] of them: one request for
    # what a recursive walk will ask next. The first must list (its errors
    # are the request's); a directory below that cannot be listed is left
    # out, so the walk asks for it and gets its error.
    root = p(a)
    out = [[a['p'], listing(root, 'all')]]
    queue = [(root, out[0][1])]
    while queue and len(out) < a['max']:
        d, lst = queue.pop(0)
        for ent in lst:
            if ent[1] != 'd' or len(out) >= a['max']:
                continue
            child = os.path.join(d, os.fsencode(ent[0]))
            try:
                sub = listing(child, 'all')
            except OSError:
                continue
            out.append([os.fsdecode(child), sub])
            queue.append((child, sub))
    return out, b''


def op_statfs(a):
    path = p(a)
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        buf = ctypes.create_string_buffer(256)
        if libc.statfs(path, buf) != 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
        v = struct.unpack_from('qqQQQQQ', buf.raw)
        return [v[0], v[1], v[2], v[3], v[4], v[5], v[6]], b''
    except (ImportError, AttributeError):
        v = os.statvfs(path)
        return [0, v.f_bsize, v.f_blocks, v.f_bfree, v.f_bavail, v.f_files, v.f_ffree], b''


def op_realpath(a):
    r = os.path.realpath(p(a))
    os.lstat(r)
    return os.fsdecode(r), b''


def op_getxattr(a):
    try:
        return True, os.getxattr(p(a), os.fsencode(a['n']), follow_symlinks=a.get('f', False))
    except OSError as e:
        if e.errno == errno.ENODATA:
            return None, b''
        raise


def interfaces():
    out = []
    try:
        r = subprocess.run(['ip', '-o', 'addr', 'show'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=10)
        for line in r.stdout.decode('utf-8', 'replace').splitlines():
            f = line.split()
            if len(f) >= 4 and f[2] in ('inet', 'inet6'):
                out.append([f[1].split('@')[0], f[3].split('/')[0], 'IPv4' if f[2] == 'inet' else 'IPv6'])
    except (OSError, subprocess.SubprocessError):
        pass
    macs = {}
    for n in set(x[0] for x in out):
        try:
            with open('/sys/class/net/%s/address' % n) as fh:
                m = fh.read().strip()
                if m and m != '00:00:00:00:00:00':
                    macs[n] = m
        except OSError:
            pass
    return [x + [macs.get(x[0])] for x in out]


def op_describe(a):
    u = os.uname()
    return {'uname': [u.sysname, u.nodename, u.release, u.version, u.machine], 'ifs': interfaces()}, b''


def op_self(a):
    try:
        import pwd
        user = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        user = None
    return {'pid': os.getpid(), 'uid': os.getuid(), 'gid': os.getgid(), 'user': user}, b''


def run_exec(i, a):
    try:
        proc = subprocess.Popen([a['f']] + list(a['a']), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                preexec_fn=os.setsid)
    except OSError as e:
        return fail(i, errno.errorcode.get(e.errno, 'EIO'), 'cannot run %s: %s' % (a['f'], e.strerror))
    try:
        out, err = proc.communicate(timeout=a.get('t', 30000) / 1000.0)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.communicate()
        return fail(i, 'ETIMEDOUT', '%s did not finish within %d ms' % (a['f'], a.get('t', 30000)))
    if proc.returncode < 0:
        return fail(i, 'EIO', '%s died of signal %d' % (a['f'], -proc.returncode))
    send(i, {'r': {'out': out.decode('utf-8', 'replace'), 'err': err.decode('utf-8', 'replace'), 'code': proc.returncode}})


# --- remediation over SSH (src/apply/ssh-remediate.ts): the exact state of
# one path, and putting a path into a recorded state atomically. Only these
# two write; they write nothing unless asked for a path by name.

def _xattrs(path):
    out = {}
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return out
        raise
    for n in sorted(names):
        if n.startswith('trusted.overlay.') or n.startswith('user.overlay.'):
            continue
        try:
            out[n] = base64.b64encode(os.getxattr(path, n, follow_symlinks=False)).decode('ascii')
        except OSError as e:
            if e.errno != errno.ENODATA:
                raise
    return out


def op_capture(a):
    # {type, mode, uid, gid, mtimeNs, xattrs, size, target} and the content
    # of a regular file as the payload; {type: absent} when nothing is there.
    path = p(a)
    try:
        s = os.lstat(path)
    except OSError as e:
        if e.errno == errno.ENOENT:
            return {'type': 'absent'}, b''
        raise
    t = {S.S_IFREG: 'file', S.S_IFDIR: 'dir', S.S_IFLNK: 'symlink'}.get(S.S_IFMT(s.st_mode))
    if t is None:
        raise Refused('EINVAL', '%s is a %s; Vigil does not change or journal those' % (a['p'], kind(s.st_mode)))
    r = {'type': t, 'mode': S.S_IMODE(s.st_mode), 'uid': s.st_uid, 'gid': s.st_gid, 'mtimeNs': str(s.st_mtime_ns),
         'xattrs': {} if t == 'symlink' else _xattrs(path)}
    if t == 'symlink':
        r['target'] = os.fsdecode(os.readlink(path))
        return r, b''
    if t == 'dir':
        return r, b''
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        parts = []
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            parts.append(b)
    finally:
        os.close(fd)
    data = b''.join(parts)
    r['size'] = len(data)
    return r, data


def _meta(path, st, follow=False):
    if st['type'] != 'symlink':
        os.chown(path, st['uid'], st['gid'])
        os.chmod(path, st['mode'])
        have = set(n for n in os.listxattr(path) if not (n.startswith('trusted.overlay.') or n.startswith('user.overlay.')))
        want = st.get('xattrs', {})
        for n in have - set(want):
            os.removexattr(path, n)
        for n, v in want.items():
            os.setxattr(path, n, base64.b64decode(v))
    else:
        os.chown(path, st['uid'], st['gid'], follow_symlinks=False)
    m = int(st['mtimeNs'])
    os.utime(path, ns=(m, m), follow_symlinks=False)


def _remove(path):
    try:
        s = os.lstat(path)
    except OSError as e:
        if e.errno == errno.ENOENT:
            return
        raise
    if S.S_ISDIR(s.st_mode):
        import shutil
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _fsync_dir(d):
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def op_restore(a):
    # Puts the path into state a['s'] (as op_capture gives it), the content
    # of a file being the request's 'c' (base64) with its SHA-256 'h'
    # checked: a file or link is written under a temporary name (prefix
    # a['tmp'], in the same directory), given its owner, mode, xattrs and
    # mtime, fsynced and renamed into place; a directory is made (or kept)
    # and given its metadata (meta only: a['m']); absent removes the path
    # and what is below it. Idempotent.
    import hashlib
    path = p(a)
    st = a['s']
    d = os.path.dirname(path)
    if st['type'] == 'absent':
        _remove(path)
        _fsync_dir(d)
        return True, b''
    if st['type'] == 'dir':
        try:
            s = os.lstat(path)
            if not S.S_ISDIR(s.st_mode):
                _remove(path)
                os.mkdir(path, 0o700)
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise
            os.mkdir(path, 0o700)
        _meta(path, st)
        return True, b''
    if a.get('m'):
        _meta(path, st)
        return True, b''
    tmp = os.path.join(d, os.fsencode(a['tmp']) + os.urandom(4).hex().encode())
    try:
        if st['type'] == 'symlink':
            os.symlink(os.fsencode(st['target']), tmp)
        else:
            data = base64.b64decode(a['c'])
            if hashlib.sha256(data).hexdigest() != st['sha256']:
                raise Refused('EINVAL', 'content for %s does not match its digest: nothing written' % a['p'])
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                off = 0
                while off < len(data):
                    off += os.write(fd, data[off:])
                os.fsync(fd)
            finally:
                os.close(fd)
        _meta(tmp, st)
        try:
            if S.S_ISDIR(os.lstat(path).st_mode):
                _remove(path)
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(d)
    return True, b''


def op_cleantemps(a):
    # Removes the entries of directory p whose names start with a['tmp'] (a journal's leftovers).
    n = 0
    pre = os.fsencode(a['tmp'])
    try:
        names = os.listdir(p(a))
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            return 0, b''
        raise
    for name in names:
        if name.startswith(pre) and len(pre) > 8:
            _remove(os.path.join(p(a), name))
            n += 1
    return n, b''


OPS = {
    'lstat': lambda a: (st(os.lstat(p(a))), b''),
    'stat': lambda a: (st(os.stat(p(a))), b''),
    'read': op_read,
    'range': op_range,
    'readdir': op_readdir,
    'tree': op_tree,
    'readlink': lambda a: (os.fsdecode(os.readlink(p(a))), b''),
    'realpath': op_realpath,
    'statfs': op_statfs,
    'listxattr': lambda a: (os.listxattr(p(a), follow_symlinks=a.get('f', False)), b''),
    'getxattr': op_getxattr,
    'describe': op_describe,
    'self': op_self,
    'capture': op_capture,
    'restore': op_restore,
    'cleantemps': op_cleantemps,
}


def serve():
    send(0, {'r': {'hello': 'vigil-helper/1', 'pid': os.getpid(), 'uid': os.getuid()}})
    while True:
        head = _in.read(4)
        if len(head) < 4:
            return
        (n,) = struct.unpack('>I', head)
        body = _in.read(n)
        if len(body) < n:
            return
        a = json.loads(body.decode('utf-8', ENC))
        i = a['i']
        if a['o'] == 'exec':
            threading.Thread(target=run_exec, args=(i, a), daemon=True).start()
            continue
        fn = OPS.get(a['o'])
        if fn is None:
            fail(i, 'ENOSYS', 'unknown operation %s' % a['o'])
            continue
        try:
            r, payload = fn(a)
            send(i, {'r': r}, payload)
        except Refused as e:
            fail(i, e.code, str(e))
        except OSError as e:
            fail(i, errno.errorcode.get(e.errno, 'EIO') if e.errno else 'EIO', e.strerror or str(e))
        except Exception as e:  # a bug here must not take the channel down
            fail(i, 'EIO', '%s: %s' % (type(e).__name__, e))


serve()
