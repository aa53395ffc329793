/*
 * control.h - how the tools reach the daemon: the wake-up channel, the
 * daemon's single-instance lock, finding the daemon's programs, and
 * starting a daemon on demand (tmux-style autostart).
 *
 * The channel is a Unix datagram socket in the abstract namespace, so a
 * deep LOCAL_DIR never meets the 108-byte limit of socket paths, and a
 * daemon that dies leaves nothing behind.  Its name is "condorlet-" and a
 * hash of the real path of LOCK and the caller's uid: every tool and the
 * daemon that share a LOCK directory meet on the same name.
 *
 * A message is CONTROL_MSG_SIZE bytes: the protocol version, then the
 * message type.  Types are only ever appended; a receiver ignores types it
 * does not know and versions other than its own, so an old daemon and a new
 * tool never misread each other (the daemon's periodic rescan makes a lost
 * wake-up harmless).
 *
 * A wake-up is sent after the tool's change is durable.  It carries no
 * data: it only tells the daemon to look at the queue now rather than on
 * its next timer tick.  A daemon that is not running is never an error of
 * the tool that tried to wake it.
 */
#ifndef CONDORLET_CONTROL_H
#define CONDORLET_CONTROL_H

#include <stdbool.h>
#include <sys/types.h>

struct error;
struct knobs;

#define CONTROL_VERSION 1
#define CONTROL_MSG_SIZE 2

enum control_type {
	CONTROL_WAKE = 1,	/* the queue changed: look at it now */
};

/* ---- the daemon's side ---- */

/*
 * Binds the channel for lock_dir (which must exist) and returns the
 * socket: non-blocking, close-on-exec.  -1 with err set if it cannot, e.g.
 * because another process holds the name.
 */
int control_listen(const char *lock_dir, struct error *err);
/*
 * Reads every message waiting on fd without blocking.  Returns a mask of
 * the known types received (bit 1 << type), 0 if none; messages of other
 * versions or unknown types are read and dropped.
 */
unsigned control_receive(int fd);

/*
 * Takes the single-instance lock LOCK/condor_master.lock and writes the
 * caller's pid into it.  Returns the lock's descriptor (close-on-exec, so
 * no child ever inherits it; closing it or exiting releases the lock).
 * If another process holds it, returns -1 with *holder set to that
 * process's pid (0 if it has not written it yet) and err set; other
 * failures return -1 with *holder 0.
 */
int control_lock_master(const char *lock_dir, pid_t *holder, struct error *err);

/* ---- the tools' side ---- */

/*
 * Sends one message of type to the daemon for lock_dir.  Returns 0 if a
 * daemon is listening (it has the message, or already has wake-ups
 * pending), 1 if none is, -1 with err set on any other failure.
 */
int control_send(const char *lock_dir, enum control_type type, struct error *err);
/* control_send(LOCK, CONTROL_WAKE), with LOCK from k. */
int control_wake(const struct knobs *k, struct error *err);
/*
 * What condor_submit does after its commit: wakes the daemon, and if none
 * is running and AUTOSTART_MASTER is true, starts one (control_autostart)
 * and wakes it.  Returns 0 if a daemon got the wake-up, 1 if none runs and
 * autostart is off, -1 with err set if starting one failed.
 */
int control_notify(const struct knobs *k, struct error *err);

/*
 * Starts condor_master (control_find_program(k, "MASTER", ...)), which
 * daemonizes, and waits (at most CONTROL_START_WAIT seconds) until its
 * first process has exited: it exits 0 only once the daemon listens.
 * Returns 0 then; 1 if it exited 1, having said why on the standard error
 * it shares with the caller (that is also how a start that lost a race
 * with another one ends: fine if a daemon then answers); -1 with err set
 * if it could not be run or ended otherwise.
 */
#define CONTROL_START_WAIT 10
int control_autostart(const struct knobs *k, struct error *err);

/*
 * Where one of condorlet's programs is: the knob named knob when it is set
 * and not empty; else name beside the running executable
 * (/proc/self/exe), or in ../libexec/condorlet beside it; else the first
 * executable name on PATH.  Caller frees; NULL if it is nowhere.
 */
char *control_find_program(const struct knobs *k, const char *knob,
			   const char *name);

#endif
