/* A second thread of an apply (beside pipeline.c's): it shares only the flags below. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "writeback.h"

struct writeback {
	int fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t kicked;
	bool pending; /* a kick not served yet */
	bool stop;
};

static void *syncer(void *arg)
{
	struct writeback *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->pending && !w->stop)
			pthread_cond_wait(&w->kicked, &w->lock);
		if (w->stop)
			break;
		w->pending = false;
		pthread_mutex_unlock(&w->lock);
		/* its errors are the commit's sync's to report */
		(void)syncfs(w->fd);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct writeback *writeback_new(int fd)
{
	struct writeback *w = xnew(struct writeback, 1);

	w->fd = fd;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->kicked, NULL);
	if (pthread_create(&w->thread, NULL, syncer, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->kicked);
		free(w);
		return NULL;
	}
	return w;
}

void writeback_kick(struct writeback *w)
{
	pthread_mutex_lock(&w->lock);
	w->pending = true;
	pthread_cond_signal(&w->kicked);
	pthread_mutex_unlock(&w->lock);
}

struct writeback *writeback_free(struct writeback *w)
{
	if (!w)
		return NULL;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->kicked);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->kicked);
	free(w);
	return NULL;
}
