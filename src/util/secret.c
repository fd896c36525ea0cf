/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * secret.c - loading and generating the site secret (see secret.h).
 *
 * The checks run on the opened descriptor (fstat), not on the path, so a
 * file swapped between check and read cannot slip through.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "secret.h"

void secret_free(struct cad_secret *s)
{
	if (s->key != NULL) {
		OPENSSL_cleanse(s->key, s->len);
		free(s->key);
	}
	s->key = NULL;
	s->len = 0;
}

int secret_set(struct cad_secret *s, const void *key, size_t len, struct cad_err *err)
{
	s->key = NULL;
	s->len = 0;
	if (len < SECRET_MIN_LEN)
		return cad_err_set(err, "secret too short: %zu bytes, at least %d needed",
		    len, SECRET_MIN_LEN);
	if (len > SECRET_MAX_LEN)
		return cad_err_set(err, "secret too long: %zu bytes, at most %d allowed",
		    len, SECRET_MAX_LEN);
	s->key = xmalloc(len);
	memcpy(s->key, key, len);
	s->len = len;
	return 0;
}

int secret_load(const char *path, struct cad_secret *s, struct cad_err *err)
{
	struct stat st;
	unsigned char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, rc;

	s->key = NULL;
	s->len = 0;
	if (path == NULL || *path == '\0')
		return cad_err_set(err, "SecretFile is not set");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return cad_err_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = cad_err_set(err, "%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return cad_err_set(err, "%s: not a regular file", path);
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		close(fd);
		return cad_err_set(err, "%s: mode %04o lets group or others access the "
		    "secret; chmod 600 it", path, (unsigned)(st.st_mode & 07777));
	}
	if (st.st_size > SECRET_MAX_LEN) {
		close(fd);
		return cad_err_set(err, "%s: too large (%lld bytes, at most %d)", path,
		    (long long)st.st_size, SECRET_MAX_LEN);
	}
	/* One byte more than allowed, to notice a file that grew since fstat. */
	buf = xmalloc(SECRET_MAX_LEN + 1);
	for (;;) {
		n = read(fd, buf + len, SECRET_MAX_LEN + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cad_err_set(err, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > SECRET_MAX_LEN) {
			rc = cad_err_set(err, "%s: too large (at most %d bytes)", path,
			    SECRET_MAX_LEN);
			goto fail;
		}
	}
	/* A trailing newline (an editor's, or ours) is not key material. */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	if (len < SECRET_MIN_LEN) {
		rc = cad_err_set(err, "%s: too short (%zu bytes of key material, at "
		    "least %d needed)", path, len, SECRET_MIN_LEN);
		goto fail;
	}
	close(fd);
	s->key = xmalloc(len);
	memcpy(s->key, buf, len);
	s->len = len;
	OPENSSL_cleanse(buf, SECRET_MAX_LEN + 1);
	free(buf);
	return 0;
fail:
	close(fd);
	OPENSSL_cleanse(buf, SECRET_MAX_LEN + 1);
	free(buf);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fsync the directory holding path, so the new name survives a crash. */
static void sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

int secret_generate(const char *path, int overwrite, struct cad_err *err)
{
	unsigned char raw[SECRET_GEN_BYTES];
	char text[2 * SECRET_GEN_BYTES + 1];
	char *tmp;
	int fd, rc = -1;

	if (path == NULL || *path == '\0')
		return cad_err_set(err, "SecretFile is not set");
	if (!overwrite && access(path, F_OK) == 0)
		return cad_err_set(err, "%s: exists; not replacing a site secret "
		    "(every Message-ID and token made with it would stop verifying)", path);
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return cad_err_set(err, "%s: OpenSSL RAND_bytes failed", path);
	cad_hex(raw, sizeof(raw), text);
	text[2 * SECRET_GEN_BYTES] = '\n';

	tmp = xasprintf("%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);  /* created 0600; fchmod below makes it certain */
	if (fd < 0) {
		cad_err_set(err, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, S_IRUSR | S_IWUSR) < 0 ||
	    write_all(fd, text, sizeof(text)) < 0 || fsync(fd) < 0) {
		cad_err_set(err, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0) {
		cad_err_set(err, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* link() fails if path exists, so two concurrent inits cannot clobber
	 * each other's secret; rename() replaces atomically when asked to. */
	if (overwrite ? rename(tmp, path) < 0 : link(tmp, path) < 0) {
		cad_err_set(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (!overwrite)
		unlink(tmp);
	sync_dir(path);
	rc = 0;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(text, sizeof(text));
	free(tmp);
	return rc;
}
