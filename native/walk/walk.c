/*
 * vigil_walk: one directory listed in one call (node-api only).
 *
 * listDir(path: string | Buffer, statMode: 0 | 1 | 2) -> Buffer | string
 * listDirAsync(path, statMode) -> Promise<Buffer | string>
 *
 * opendir, readdir to the end, the names sorted bytewise (as libuv's scandir
 * sorts them for fs.readdir), then fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW)
 * of the entries statMode asks for: 0 none, 1 directories and entries of
 * unknown type, 2 all. The result is one Buffer:
 *   u32 count, u32 reserved; count records of W32 uint32s; count records of W64 doubles; the names' bytes.
 * uint32s: d_type, examined (1, or 0 when not asked or fstatat failed), name offset, name length,
 * mode, uid, gid, nlink. doubles: size, dev, ino, rdev, atime, mtime, ctime in milliseconds,
 * computed as node:fs computes Stats' *Ms (sec * 1e3 + nsec / 1e6, in doubles).
 * When the directory cannot be opened or read, the result is the errno's name ("ENOENT").
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define W32 8
#define W64 7

typedef struct {
  char *name;
  size_t len;
  unsigned char type;
} ent_t;

typedef struct {
  char *buf;   /* the packed result, or NULL */
  size_t size;
  int err;     /* errno of the directory, or 0 */
} result_t;

/* Stats' *Ms as node:fs computes them from the timespec's doubles (no fused multiply-add: binding.gyp) */
static double ms(struct timespec t) {
  double sec = (double)t.tv_sec, nsec = (double)t.tv_nsec;
  return sec * 1e3 + nsec / 1e6;
}

static int cmp_ent(const void *a, const void *b) {
  return strcmp(((const ent_t *)a)->name, ((const ent_t *)b)->name);
}

static void list_dir(const char *path, int mode, result_t *r) {
  r->buf = NULL;
  r->size = 0;
  r->err = 0;
  DIR *d = opendir(path);
  if (d == NULL) {
    r->err = errno;
    return;
  }
  size_t cap = 64, n = 0, names = 0;
  ent_t *ents = malloc(cap * sizeof(ent_t));
  if (ents == NULL) {
    closedir(d);
    r->err = ENOMEM;
    return;
  }
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (e == NULL) {
      if (errno != 0) r->err = errno;
      break;
    }
    const char *nm = e->d_name;
    if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
    if (n == cap) {
      cap *= 2;
      ent_t *m = realloc(ents, cap * sizeof(ent_t));
      if (m == NULL) {
        r->err = ENOMEM;
        break;
      }
      ents = m;
    }
    size_t len = strlen(nm);
    char *copy = malloc(len + 1);
    if (copy == NULL) {
      r->err = ENOMEM;
      break;
    }
    memcpy(copy, nm, len + 1);
    ents[n].name = copy;
    ents[n].len = len;
    ents[n].type = e->d_type;
    n++;
    names += len;
  }
  if (r->err == 0) {
    qsort(ents, n, sizeof(ent_t), cmp_ent);
    size_t head = 8 + n * (W32 * 4 + W64 * 8);
    r->size = head + names;
    r->buf = malloc(r->size == 0 ? 1 : r->size);
    if (r->buf == NULL) r->err = ENOMEM;
  }
  if (r->err == 0) {
    int fd = dirfd(d);
    uint32_t count = (uint32_t)n;
    memcpy(r->buf, &count, 4);
    memset(r->buf + 4, 0, 4);
    uint32_t *u = (uint32_t *)(r->buf + 8);
    double *rec = (double *)(r->buf + 8 + n * W32 * 4);
    size_t off = 8 + n * (W32 * 4 + W64 * 8);
    for (size_t i = 0; i < n; i++, u += W32, rec += W64) {
      unsigned char t = ents[i].type;
      memset(u, 0, W32 * 4);
      memset(rec, 0, W64 * sizeof(double));
      u[0] = t;
      u[2] = (uint32_t)off;
      u[3] = (uint32_t)ents[i].len;
      memcpy(r->buf + off, ents[i].name, ents[i].len);
      off += ents[i].len;
      int want = mode == 2 || (mode == 1 && (t == DT_DIR || t == DT_UNKNOWN));
      struct stat s;
      if (want && fstatat(fd, ents[i].name, &s, AT_SYMLINK_NOFOLLOW) == 0) {
        u[1] = 1;
        u[4] = s.st_mode;
        u[5] = s.st_uid;
        u[6] = s.st_gid;
        u[7] = (uint32_t)s.st_nlink;
        rec[0] = (double)s.st_size;
        rec[1] = (double)s.st_dev;
        rec[2] = (double)s.st_ino;
        rec[3] = (double)s.st_rdev;
        rec[4] = ms(s.st_atim);
        rec[5] = ms(s.st_mtim);
        rec[6] = ms(s.st_ctim);
      }
    }
  } else if (r->buf != NULL) {
    free(r->buf);
    r->buf = NULL;
  }
  for (size_t i = 0; i < n; i++) free(ents[i].name);
  free(ents);
  closedir(d);
}

/* The result as a JS value: the Buffer (which takes the memory) or the errno's name. */
static napi_value to_value(napi_env env, result_t *r) {
  napi_value v;
  if (r->err != 0) {
    const char *name = strerrorname_np(r->err);
    napi_create_string_utf8(env, name != NULL ? name : "EIO", NAPI_AUTO_LENGTH, &v);
    return v;
  }
  /* copied into memory V8 allocates and accounts for: an external buffer's malloc is invisible to the
     collector, which then lets listings it no longer needs pile up (peak RSS +4-7 MB on a walk of /) */
  void *data;
  napi_create_buffer_copy(env, r->size, r->buf, &data, &v);
  free(r->buf);
  r->buf = NULL;
  return v;
}

/* The path argument as a NUL-terminated string (malloc'd), or NULL after throwing. */
static char *path_arg(napi_env env, napi_value v) {
  bool isbuf = false;
  napi_is_buffer(env, v, &isbuf);
  if (isbuf) {
    void *data;
    size_t len;
    napi_get_buffer_info(env, v, &data, &len);
    if (memchr(data, 0, len) != NULL) {
      napi_throw_type_error(env, NULL, "path holds a NUL byte");
      return NULL;
    }
    char *p = malloc(len + 1);
    memcpy(p, data, len);
    p[len] = 0;
    return p;
  }
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "path must be a string or a Buffer");
    return NULL;
  }
  char *p = malloc(len + 1);
  napi_get_value_string_utf8(env, v, p, len + 1, &len);
  if (strlen(p) != len) {
    free(p);
    napi_throw_type_error(env, NULL, "path holds a NUL byte");
    return NULL;
  }
  return p;
}

static int mode_arg(napi_env env, napi_value v) {
  int32_t m = 0;
  napi_get_value_int32(env, v, &m);
  return m < 0 || m > 2 ? 0 : m;
}

static napi_value list_dir_sync(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "listDir(path, statMode)");
    return NULL;
  }
  char *path = path_arg(env, argv[0]);
  if (path == NULL) return NULL;
  result_t r;
  list_dir(path, mode_arg(env, argv[1]), &r);
  free(path);
  return to_value(env, &r);
}

typedef struct {
  char *path;
  int mode;
  result_t r;
  napi_deferred deferred;
  napi_async_work work;
} job_t;

static void job_execute(napi_env env, void *data) {
  (void)env;
  job_t *j = data;
  list_dir(j->path, j->mode, &j->r);
}

static void job_complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  if (status == napi_ok) {
    napi_resolve_deferred(env, j->deferred, to_value(env, &j->r));
  } else {
    napi_value msg, err;
    napi_create_string_utf8(env, "listDir cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &err);
    napi_reject_deferred(env, j->deferred, err);
    free(j->r.buf);
  }
  napi_delete_async_work(env, j->work);
  free(j->path);
  free(j);
}

static napi_value list_dir_async(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "listDirAsync(path, statMode)");
    return NULL;
  }
  char *path = path_arg(env, argv[0]);
  if (path == NULL) return NULL;
  job_t *j = calloc(1, sizeof(job_t));
  j->path = path;
  j->mode = mode_arg(env, argv[1]);
  napi_value promise, name;
  napi_create_promise(env, &j->deferred, &promise);
  napi_create_string_utf8(env, "vigil.listDir", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, job_execute, job_complete, j, &j->work);
  napi_queue_async_work(env, j->work);
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "listDir", NAPI_AUTO_LENGTH, list_dir_sync, NULL, &f);
  napi_set_named_property(env, exports, "listDir", f);
  napi_create_function(env, "listDirAsync", NAPI_AUTO_LENGTH, list_dir_async, NULL, &f);
  napi_set_named_property(env, exports, "listDirAsync", f);
  return exports;
}
