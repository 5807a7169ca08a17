/* The dfuctl commands: each is one file, cmd_<name>.c, with this signature. */
#ifndef DFUCTL_COMMANDS_H
#define DFUCTL_COMMANDS_H

/* argv[0] is the command name. Returns the process exit code (output.h). */
typedef int (*cli_command_fn)(int argc, char **argv);

typedef struct cli_command {
    const char *name;
    cli_command_fn run;
    const char *summary;
} cli_command;

int cmd_info(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_flash(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_erase(int argc, char **argv);
int cmd_unprotect(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_leave(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_list(int argc, char **argv);

#endif
