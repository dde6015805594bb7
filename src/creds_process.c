/* SPDX-License-Identifier: ISC */
/*
 * creds_process: the credential_process provider.  See creds_provider.h.
 *
 * botocore runs the helper with Popen(shlex.split(cmd)) and waits for it;
 * a daemon must not wait.  So the child is started with posix_spawnp (no
 * shell, no fork of a big address space), its stdout and stderr are
 * non-blocking pipes read by ev_io watchers into bounded buffers, its exit
 * is reported by an ev_child watcher, and an ev_timer kills its whole
 * process group when it hangs (a helper script's own children would
 * otherwise keep the pipes open).  When the child has exited, whatever is
 * still in the pipes is drained once and the fetch completes; it does not
 * wait for EOF, which a leftover grandchild could withhold forever.
 *
 * Every exit path goes through finish(), which stops all watchers, closes
 * the pipes, wipes the output buffers and calls `done` last, so `done` may
 * start the next fetch.
 *
 * The helper's stderr is quoted in the error when it fails, and a helper
 * may well print credentials there (its own debug output, an AWS CLI it
 * wraps): it is scrubbed (scrub.h) whole, before its first line is cut
 * out, with the secrets of whatever credentials its stdout still held and
 * by their shapes; the cache scrubs again with the ones it holds.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "creds_provider.h"
#include "scrub.h"

static char *const empty_env[] = {NULL};

struct process_provider {
	struct creds_provider base;
	struct strv argv;
	struct strv envp; /* empty: inherit environ */
	bool inherit_env;
	double timeout;

	/* The fetch in flight. */
	bool running;
	struct ev_loop *loop;
	creds_fetch_done_fn *done;
	void *arg;
	pid_t pid;
	int out_fd, err_fd;
	ev_io out_w, err_w;
	ev_child child_w;
	ev_timer timer_w;
	struct buf out, err;
};

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Stop everything of the fetch in flight; the child is not touched. */
static void
teardown(struct process_provider *pp)
{
	ev_io_stop(pp->loop, &pp->out_w);
	ev_io_stop(pp->loop, &pp->err_w);
	ev_child_stop(pp->loop, &pp->child_w);
	ev_timer_stop(pp->loop, &pp->timer_w);
	close_fd(&pp->out_fd);
	close_fd(&pp->err_fd);
	if (pp->out.data != NULL)
		OPENSSL_cleanse(pp->out.data, pp->out.cap);
	if (pp->err.data != NULL)
		OPENSSL_cleanse(pp->err.data, pp->err.cap);
	buf_free(&pp->out);
	buf_free(&pp->err);
	pp->running = false;
}

static void
kill_group(struct process_provider *pp)
{
	if (pp->pid > 0)
		kill(-pp->pid, SIGKILL);
}

/*
 * First line of stderr, printable, bounded; for the error message.  The
 * whole of stderr is scrubbed first, so that a secret the cut would shorten
 * is still seen whole; credentials a failing helper printed on stdout too
 * are the known secrets (parsed quietly, wiped at once).
 */
static void
stderr_line(const struct buf *b, const struct buf *out_buf, char *out, size_t n)
{
	char clean[CREDS_PROCESS_STDERR_KEEP + 1];
	const char *s = clean;
	struct scrub_keys k;
	struct creds c = {0};
	struct err pe;
	size_t i = 0;

	scrub_keys_init(&k);
	k.strict = true; /* a helper's words are about credentials */
	err_clear(&pe);
	if (out_buf->len > 0 && creds_parse_json(CREDS_JSON_PROCESS, buf_str(out_buf), out_buf->len,
						 "stdout", &c, &pe) == 0) {
		scrub_keys_add_str(&k, c.secret_access_key);
		scrub_keys_add_str(&k, c.session_token);
	}
	scrub(clean, sizeof(clean), buf_str(b), b->len, &k);
	creds_free(&c);

	while (*s == '\n' || *s == '\r')
		s++;
	for (; s[i] != '\0' && s[i] != '\n' && s[i] != '\r' && i + 1 < n && i < 200; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
	OPENSSL_cleanse(clean, sizeof(clean));
}

static void
finish(struct process_provider *pp, int r, struct creds *c, struct err *e)
{
	creds_fetch_done_fn *done = pp->done;
	void *arg = pp->arg;

	/* The JSON parser names members, and members are the helper's text. */
	if (r < 0 && e != NULL)
		scrub_string(e->msg, sizeof(e->msg), NULL);
	teardown(pp);
	pp->pid = 0;
	done(arg, r, r < 0 ? NULL : c, e);
}

/* Read what is available: 1 at EOF, 0 would block, <0 error. */
static int
drain(int fd, struct buf *b, bool is_out)
{
	char tmp[4096];

	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 1;
		if (is_out) {
			if (buf_append(b, tmp, (size_t)n) < 0) {
				OPENSSL_cleanse(tmp, sizeof(tmp));
				return -E2BIG;
			}
			OPENSSL_cleanse(tmp, (size_t)n);
		} else if (b->len < b->max) {
			size_t room = b->max - b->len;

			(void)buf_append(b, tmp, (size_t)n < room ? (size_t)n : room);
		}
	}
}

static void
fail(struct process_provider *pp, int r, const char *msg)
{
	struct err e;

	err_clear(&e);
	err_set(&e, r, "%s: %s", pp->base.name, msg);
	finish(pp, r, NULL, &e);
}

static void
on_output(struct ev_loop *loop, ev_io *w, int revents)
{
	struct process_provider *pp = w->data;
	bool is_out = w == &pp->out_w;
	int r;

	(void)revents;
	r = drain(w->fd, is_out ? &pp->out : &pp->err, is_out);
	if (r == -E2BIG) {
		char msg[64];

		kill_group(pp);
		snprintf(msg, sizeof(msg), "output larger than %d bytes", CREDS_JSON_MAX);
		fail(pp, -E2BIG, msg);
		return;
	}
	if (r != 0) {
		/* EOF or a read error: this pipe is done; the exit status decides. */
		ev_io_stop(loop, w);
		close_fd(is_out ? &pp->out_fd : &pp->err_fd);
	}
}

static void
on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct process_provider *pp = w->data;
	char msg[64];

	(void)loop;
	(void)revents;
	kill_group(pp);
	snprintf(msg, sizeof(msg), "no answer within %g s; killed", pp->timeout);
	fail(pp, -ETIMEDOUT, msg);
}

static void
on_exit_status(struct ev_loop *loop, ev_child *w, int revents)
{
	struct process_provider *pp = w->data;
	int status = w->rstatus;
	char line[256], msg[64];
	struct creds c;
	struct err e;
	int r;

	(void)loop;
	(void)revents;
	if (pp->out_fd >= 0 && drain(pp->out_fd, &pp->out, true) == -E2BIG) {
		snprintf(msg, sizeof(msg), "output larger than %d bytes", CREDS_JSON_MAX);
		fail(pp, -E2BIG, msg);
		return;
	}
	if (pp->err_fd >= 0)
		(void)drain(pp->err_fd, &pp->err, false);
	if (WIFSIGNALED(status)) {
		snprintf(msg, sizeof(msg), "killed by signal %d", WTERMSIG(status));
		fail(pp, -ECHILD, msg);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		stderr_line(&pp->err, &pp->out, line, sizeof(line));
		err_clear(&e);
		err_set(&e, -ECHILD, "%s: exited with status %d%s%s", pp->base.name,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1, line[0] ? ": " : "", line);
		finish(pp, -ECHILD, NULL, &e);
		return;
	}
	err_clear(&e);
	r = creds_parse_json(CREDS_JSON_PROCESS, buf_str(&pp->out), pp->out.len, pp->base.name, &c,
			     &e);
	finish(pp, r, &c, &e);
}

static int
process_fetch(struct creds_provider *p, struct ev_loop *loop, creds_fetch_done_fn *done, void *arg,
	      struct err *e)
{
	static const int reset[] = {SIGPIPE, SIGCHLD, SIGHUP,  SIGINT, SIGTERM,
				    SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM};
	struct process_provider *pp = (struct process_provider *)p;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, r;
	sigset_t set;
	pid_t pid;

	if (pp->running)
		return err_set(e, -EBUSY, "%s: already running", p->name);
	if (!ev_is_default_loop(loop))
		return err_set(e, -EINVAL, "%s: needs the default libev loop", p->name);
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		r = err_set(e, -errno, "%s: pipe: %s", p->name, strerror(errno));
		goto fail_pipes;
	}
	if (fcntl(out[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(errp[0], F_SETFL, O_NONBLOCK) < 0) {
		r = err_set(e, -errno, "%s: fcntl: %s", p->name, strerror(errno));
		goto fail_pipes;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	sigemptyset(&set);
	posix_spawnattr_setsigmask(&attr, &set);
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaddset(&set, reset[i]);
	posix_spawnattr_setsigdefault(&attr, &set);
	r = posix_spawnp(&pid, pp->argv.v[0], &fa, &attr, pp->argv.v,
			 pp->inherit_env ? environ
			 : pp->envp.v    ? pp->envp.v
					 : empty_env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		r = err_set(e, -r, "%s: cannot run: %s", p->name, strerror(r));
		goto fail_pipes;
	}
	close(out[1]);
	close(errp[1]);

	pp->running = true;
	pp->loop = loop;
	pp->done = done;
	pp->arg = arg;
	pp->pid = pid;
	pp->out_fd = out[0];
	pp->err_fd = errp[0];
	buf_init(&pp->out, CREDS_JSON_MAX);
	buf_init(&pp->err, CREDS_PROCESS_STDERR_KEEP);
	ev_io_init(&pp->out_w, on_output, pp->out_fd, EV_READ);
	ev_io_init(&pp->err_w, on_output, pp->err_fd, EV_READ);
	ev_child_init(&pp->child_w, on_exit_status, pid, 0);
	ev_timer_init(&pp->timer_w, on_timeout, pp->timeout, 0.);
	pp->out_w.data = pp->err_w.data = pp->child_w.data = pp->timer_w.data = pp;
	ev_io_start(loop, &pp->out_w);
	ev_io_start(loop, &pp->err_w);
	ev_child_start(loop, &pp->child_w);
	ev_timer_start(loop, &pp->timer_w);
	return 0;

fail_pipes:
	for (int i = 0; i < 2; i++) {
		close_fd(&out[i]);
		close_fd(&errp[i]);
	}
	return r;
}

static void
process_cancel(struct creds_provider *p)
{
	struct process_provider *pp = (struct process_provider *)p;

	if (!pp->running)
		return;
	kill_group(pp); /* libev's SIGCHLD handler reaps it */
	teardown(pp);
	pp->pid = 0;
}

static void
process_free(struct creds_provider *p)
{
	struct process_provider *pp = (struct process_provider *)p;

	process_cancel(p);
	strv_free(&pp->argv);
	strv_free(&pp->envp);
	free(pp->base.name);
	free(pp);
}

static const struct creds_provider_ops process_ops = {
	.kind = "process",
	.fetch = process_fetch,
	.cancel = process_cancel,
	.free = process_free,
};

int
creds_provider_new_process(const struct strv *argv, char *const *envp, double timeout,
			   struct creds_provider **ret, struct err *e)
{
	struct process_provider *pp;
	int r = -ENOMEM;

	if (argv->n == 0)
		return err_set(e, -EINVAL, "credential_process: empty command");
	if (!(timeout > 0))
		return err_set(e, -EINVAL, "credential_process: timeout must be positive");
	pp = calloc(1, sizeof(*pp));
	if (pp == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	pp->base.ops = &process_ops;
	pp->timeout = timeout;
	pp->out_fd = pp->err_fd = -1;
	pp->inherit_env = envp == NULL;
	if (strv_copy(&pp->argv, argv) < 0)
		goto fail;
	for (; envp != NULL && *envp != NULL; envp++)
		if (strv_push(&pp->envp, *envp) < 0)
			goto fail;
	if (asprintf(&pp->base.name, "credential_process %s", argv->v[0]) < 0) {
		pp->base.name = NULL;
		goto fail;
	}
	*ret = &pp->base;
	return 0;
fail:
	strv_free(&pp->argv);
	strv_free(&pp->envp);
	free(pp);
	return err_set(e, r, "out of memory");
}
