/* daemon/publisher.c — the thread that renders and sends committed notices on XPUB. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <zmq.h>

#include "../proto/err.h"
#include "publisher.h"

/* Posted groups not yet sent, by default; beyond this the loop waits (each holds up to a
 * group's notices, a few MiB at most). */
#define PUBLISHER_MAX_QUEUED 64

struct batch {
	struct notice_list l;
	struct batch *next;
};

struct publisher {
	void *xpub;
	int wake_fd; /* eventfd: the loop posted, or asked us to stop */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t room; /* signalled when the queue shrinks */
	struct batch *head, *tail, *free_list;
	size_t queued, max_queued;
	bool stop;
	bool dead; /* the thread left its loop: posting would wait forever */
	atomic_uint subscriptions;
	atomic_ulong damaged;
	struct proto_buf wire; /* the thread's: one notice's wire body */
};

static void drain_subscriptions(struct publisher *p)
{
	char buf[256];
	int n;
	while ((n = zmq_recv(p->xpub, buf, sizeof(buf), ZMQ_DONTWAIT)) > 0) {
		unsigned cur = atomic_load(&p->subscriptions);
		if (buf[0] == 1)
			atomic_store(&p->subscriptions, cur + 1);
		else if (buf[0] == 0 && cur > 0)
			atomic_store(&p->subscriptions, cur - 1);
	}
}

static void send_batch(struct publisher *p, const struct notice_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct notice_out *o = &l->items[i];
		proto_buf_reset(&p->wire);
		int rc = notice_body_write(&p->wire, o->seq, o->topic, l->bodies.data + o->off, o->len);
		if (rc == NOTICE_DAMAGED)
			atomic_fetch_add(&p->damaged, 1); /* sent as {seq, topic, damaged}; logged by the loop */
		else if (rc < 0)
			continue; /* out of memory: the subscriber recovers it with SINCE */
		/* XPUB drops for a subscriber at its high-water mark instead of blocking; that
		 * subscriber recovers what it missed with SINCE. */
		zmq_send(p->xpub, o->topic, strlen(o->topic), ZMQ_SNDMORE | ZMQ_DONTWAIT);
		zmq_send(p->xpub, p->wire.data, p->wire.len, ZMQ_DONTWAIT);
	}
}

/* Sends every queued batch; true once asked to stop with nothing left. */
static bool drain_queue(struct publisher *p)
{
	for (;;) {
		pthread_mutex_lock(&p->mu);
		struct batch *b = p->head;
		if (!b) {
			bool done = p->stop;
			pthread_mutex_unlock(&p->mu);
			return done;
		}
		p->head = b->next;
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->mu);

		send_batch(p, &b->l);
		notice_list_clear(&b->l);

		pthread_mutex_lock(&p->mu);
		b->next = p->free_list;
		p->free_list = b;
		p->queued--;
		pthread_cond_signal(&p->room);
		pthread_mutex_unlock(&p->mu);
	}
}

static void *run(void *arg)
{
	struct publisher *p = arg;
	for (;;) {
		zmq_pollitem_t it[2] = {
			{ .socket = p->xpub, .events = ZMQ_POLLIN },
			{ .fd = p->wake_fd, .events = ZMQ_POLLIN },
		};
		/* Only ETERM (the context going away, which server_free orders after us) ends
		 * the loop early; anything else is retried by the next poll. */
		if (zmq_poll(it, 2, -1) < 0 && errno == ETERM)
			break;
		if (it[0].revents & ZMQ_POLLIN)
			drain_subscriptions(p);
		if (it[1].revents & ZMQ_POLLIN) {
			uint64_t n;
			if (read(p->wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN) {
				/* nothing to do: the queue is drained below either way */
			}
		}
		if (drain_queue(p))
			break;
	}
	pthread_mutex_lock(&p->mu);
	p->dead = true;
	pthread_cond_broadcast(&p->room);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void wake(struct publisher *p)
{
	uint64_t one = 1;
	/* Only fails if the counter would overflow: then the thread is awake anyway. */
	if (write(p->wake_fd, &one, sizeof(one)) < 0)
		return;
}

int publisher_new(struct publisher **ret, void *xpub, size_t max_queued)
{
	struct publisher *p = calloc(1, sizeof(*p));
	if (!p)
		return PW_ENOMEM;
	p->max_queued = max_queued ? max_queued : PUBLISHER_MAX_QUEUED;
	p->xpub = xpub;
	p->wake_fd = -1;
	proto_buf_init(&p->wire);
	atomic_init(&p->subscriptions, 0);
	atomic_init(&p->damaged, 0);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->room, NULL);
	if ((p->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		p->xpub = NULL; /* on failure the caller keeps the socket */
		publisher_free(p);
		return PW_ESYS;
	}
	/* Signals go to the loop thread, which waits in zmq_poll for them. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&p->thread, NULL, run, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		p->xpub = NULL;
		publisher_free(p);
		return PW_ESYS;
	}
	p->started = true;
	*ret = p;
	return 0;
}

void publisher_free(struct publisher *p)
{
	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_mutex_unlock(&p->mu);
		wake(p);
		pthread_join(p->thread, NULL);
	}
	/* The thread is gone (joined: a full barrier), so the socket is ours to close. */
	if (p->xpub)
		zmq_close(p->xpub);
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	struct batch *lists[] = { p->head, p->free_list };
	for (size_t i = 0; i < 2; i++)
		for (struct batch *b = lists[i], *next; b; b = next) {
			next = b->next;
			notice_list_release(&b->l);
			free(b);
		}
	proto_buf_release(&p->wire);
	pthread_cond_destroy(&p->room);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

int publisher_post(struct publisher *p, struct notice_list *l)
{
	if (!l->n)
		return 0;
	pthread_mutex_lock(&p->mu);
	while (p->queued >= p->max_queued && !p->dead)
		pthread_cond_wait(&p->room, &p->mu);
	if (p->dead) {
		pthread_mutex_unlock(&p->mu);
		return PW_ESYS;
	}
	struct batch *b = p->free_list;
	if (b)
		p->free_list = b->next;
	pthread_mutex_unlock(&p->mu);
	if (!b) {
		if (!(b = calloc(1, sizeof(*b))))
			return PW_ENOMEM;
		notice_list_init(&b->l);
	}
	/* Swap: the thread gets l's notices, l gets b's (empty) buffers to fill next. */
	struct notice_list mine = b->l;
	b->l = *l;
	*l = mine;
	l->now_ms = b->l.now_ms;
	notice_list_clear(l);
	b->next = NULL;

	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = b;
	else
		p->head = b;
	p->tail = b;
	p->queued++;
	pthread_mutex_unlock(&p->mu);
	wake(p);
	return 0;
}

unsigned publisher_subscriptions(const struct publisher *p)
{
	return atomic_load(&((struct publisher *)p)->subscriptions);
}

unsigned long publisher_damaged(const struct publisher *p)
{
	return atomic_load(&((struct publisher *)p)->damaged);
}
