/*
 * model.h: the state every view reads, folded from the event stream alone
 * (live runs and, later, replays feed it the same way).
 */
#ifndef POOLSCOPE_MODEL_H
#define POOLSCOPE_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/event.h"

struct model_worker {
	pid_t		 pid;
	int		 state;		/* enum worker_state */
	int64_t		 task;		/* running task, -1 */
	uint64_t	 task_start;	/* ns */
	uint64_t	 busy_ns;
	uint64_t	 done;		/* tasks finished (done or failed) */
	unsigned	 processes;	/* PIDs this slot has had */
};

enum model_task_state { MT_PENDING, MT_RUNNING, MT_DONE, MT_FAILED };

struct model_task {
	uint64_t	 start;		/* ns since run start */
	uint64_t	 end;
	int64_t		 value;
	int32_t		 worker;
	uint8_t		 state;		/* enum model_task_state */
	uint8_t		 vkind;		/* enum value_kind */
	uint8_t		 received;	/* the caller has its result */
	uint8_t		 attempts;
};

struct model {
	struct run_info		 run;
	int			 started;	/* run_start seen */
	int			 ended;		/* run_end seen */
	uint64_t		 now;		/* t of the latest event */

	struct model_worker	*workers;
	int			 nworkers;
	struct model_task	*tasks;
	size_t			 ntasks;
	char		       **errors;	/* per task, allocated on first failure */

	uint32_t		*results;	/* task indices, in arrival order */
	size_t			 nresults;

	size_t			 ndone, nfailed, nrunning, nretried;
	size_t			 nworker_starts, ncrashes;
};

void	model_init(struct model *);
void	model_free(struct model *);
void	model_event(struct model *, const struct event *);
struct event_sink model_sink(struct model *);

/* One result's value as Python prints it. */
void	 model_value_format(const struct model *, size_t task, char *, size_t);

#endif
