#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lib/xalloc.h"
#include "overlayfs/workers.h"

struct ovl_workers {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct ovl_job *head, *tail;
	bool stop;
	unsigned busy; /* jobs running */
	unsigned n;
	pthread_t *threads;
};

static void *worker_main(void *data)
{
	struct ovl_workers *w = data;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct ovl_job *job;

		while (!w->head && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->head)
			break;
		job = w->head;
		w->head = job->next;
		if (!w->head)
			w->tail = NULL;
		w->busy++;
		pthread_mutex_unlock(&w->lock);
		job->run(job);
		free(job);
		pthread_mutex_lock(&w->lock);
		w->busy--;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct ovl_workers *ovl_workers_new(unsigned n)
{
	struct ovl_workers *w;
	sigset_t all, old;

	if (n == 0)
		return NULL;
	w = xnew(struct ovl_workers, 1);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->threads = xnew(pthread_t, n);
	/* Signals (the unmount's SIGTERM) are the loop thread's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (; w->n < n; w->n++)
		if (pthread_create(&w->threads[w->n], NULL, worker_main, w) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (w->n == 0) {
		ovl_workers_free(w);
		return NULL;
	}
	return w;
}

bool ovl_workers_idle(struct ovl_workers *w)
{
	bool idle;

	if (!w)
		return true;
	pthread_mutex_lock(&w->lock);
	idle = w->busy == 0 && !w->head;
	pthread_mutex_unlock(&w->lock);
	return idle;
}

void ovl_workers_free(struct ovl_workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w->threads);
	free(w);
}

void ovl_workers_submit(struct ovl_workers *w, const struct ovl_job *job)
{
	struct ovl_job *j = xnew(struct ovl_job, 1);

	*j = *job;
	j->next = NULL;
	if (!w) {
		j->run(j);
		free(j);
		return;
	}
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}
