/* A tiny static probe the isolation tests run inside a container (mounted read-only at
 * /probe): each argument names one privileged operation; the probe tries it and prints
 * `<what>: ok` or `<what>: errno <n> <NAME>`, one line per argument. The tests compare
 * the errno with what Docker's default capabilities and seccomp profile give.
 *
 * Built at test time with `cc -static -O2 probe.c -o probe`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

static const char *errno_name(int e) {
    switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case ENOSYS: return "ENOSYS";
    case ENOEXEC: return "ENOEXEC";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENOKEY: return "ENOKEY";
    default: return "E?";
    }
}

/* Prints the outcome of one probe: `rc` is the call's return value, -1 meaning failure. */
static void report(const char *what, long rc) {
    if (rc == -1) {
        int e = errno;
        printf("%s: errno %d %s\n", what, e, errno_name(e));
    } else {
        printf("%s: ok\n", what);
    }
    fflush(stdout);
}

/* clone3 with the smallest valid argument: a plain fork whose child exits at once. */
static long probe_clone3(void) {
    struct {
        unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
            tls;
    } args;
    memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid((pid_t)pid, NULL, 0);
    return pid;
}

/* Forks children that wait forever until fork fails; prints how many it made, then waits
 * too, so the test can look at the cgroup and must kill the container to end it. */
static void fork_loop(void) {
    int made = 0;
    for (;;) {
        pid_t pid = fork();
        if (pid == 0) {
            for (;;)
                pause();
        }
        if (pid < 0)
            break;
        made++;
    }
    int e = errno;
    printf("fork-loop: errno %d %s after %d\n", e, errno_name(e), made);
    fflush(stdout);
    for (;;)
        pause();
}

static int probe(const char *what) {
    long rc;
    if (!strcmp(what, "mount")) {
        rc = mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
    } else if (!strcmp(what, "umount2")) {
        rc = umount2("/proc", MNT_DETACH);
    } else if (!strcmp(what, "init_module")) {
        static char image[64];
        rc = syscall(SYS_init_module, image, sizeof image, "");
    } else if (!strcmp(what, "finit_module")) {
        int fd = open("/probe/probe", O_RDONLY | O_CLOEXEC);
        rc = syscall(SYS_finit_module, fd, "", 0);
    } else if (!strcmp(what, "sethostname")) {
        rc = sethostname("probed", 6);
    } else if (!strcmp(what, "unshare")) {
        rc = unshare(CLONE_NEWNS);
    } else if (!strcmp(what, "setns")) {
        int fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
        rc = setns(fd, CLONE_NEWUTS);
    } else if (!strcmp(what, "reboot")) {
        rc = reboot(LINUX_REBOOT_CMD_CAD_OFF);
    } else if (!strcmp(what, "keyctl")) {
        /* KEYCTL_GET_KEYRING_ID (0) of the session keyring (-3), not creating it. */
        rc = syscall(SYS_keyctl, 0, -3, 0);
    } else if (!strcmp(what, "add_key")) {
        rc = syscall(SYS_add_key, "user", "dockerlings-probe", "x", 1, -3 /* session */);
    } else if (!strcmp(what, "clone3")) {
        rc = probe_clone3();
    } else if (!strcmp(what, "personality-0x0040000")) {
        rc = personality(0x0040000);
        if (rc != -1)
            personality(0);
    } else if (!strcmp(what, "personality-0")) {
        rc = personality(0);
    } else if (!strcmp(what, "swapon")) {
        rc = swapon("/probe/probe", 0);
    } else if (!strcmp(what, "dev-mem")) {
        /* Making the node is allowed (CAP_MKNOD); the device cgroup refuses opening it. */
        rc = mknod("/tmp/probe-mem", S_IFCHR | 0600, makedev(1, 1));
        if (rc != -1)
            rc = open("/tmp/probe-mem", O_RDONLY | O_CLOEXEC);
    } else if (!strcmp(what, "fork-loop")) {
        fork_loop();
        return 0;
    } else {
        fprintf(stderr, "probe: unknown probe %s\n", what);
        return 2;
    }
    report(what, rc);
    return 0;
}

int main(int argc, char **argv) {
    int status = 0;
    for (int i = 1; i < argc; i++)
        status |= probe(argv[i]);
    return status;
}
