#!/usr/bin/env bats
# 010-config-val.bats - condor_config_val and the configuration it shows:
# defaults, files, _CONDOR_ overrides, $(NAME) expansion, -verbose, -dump,
# -config, and bad configuration files.

load helpers

conf() {
	printf '%s\n' "$@" > "$CONDOR_CONFIG"
}

@test "prints the expanded SPOOL under a private LOCAL_DIR" {
	run_split 0 condor_config_val SPOOL
	assert_output "$TESTDIR/local/spool"
	[ -z "$stderr" ]
}

@test "prints several names in order, case-insensitively" {
	run_split 0 condor_config_val spool Log LOCK history
	assert_equal "${lines[0]}" "$TESTDIR/local/spool"
	assert_equal "${lines[1]}" "$TESTDIR/local/log"
	assert_equal "${lines[2]}" "$TESTDIR/local/log"
	assert_equal "${lines[3]}" "$TESTDIR/local/spool/history"
	assert_equal "${#lines[@]}" 4
}

@test "defaults HTCondor users expect" {
	run_split 0 condor_config_val MachineMaxVacateTime PERIODIC_CHECKPOINT \
		QUEUE_SUPER_USERS NUM_CPUS DEFAULT_JOB_MAX_RETRIES OPSYS
	assert_equal "${lines[0]}" 600
	assert_equal "${lines[1]}" false
	assert_equal "${lines[2]}" root
	assert_equal "${lines[3]}" "$(getconf _NPROCESSORS_ONLN)"
	assert_equal "${lines[4]}" 2
	assert_equal "${lines[5]}" LINUX
}

@test "an undefined name: Not defined, the others still printed, exit 1" {
	run_split 1 condor_config_val no_such_knob SPOOL other_missing
	assert_output "$TESTDIR/local/spool"
	[[ "$stderr" == *"Not defined: NO_SUCH_KNOB"* ]]
	[[ "$stderr" == *"Not defined: OTHER_MISSING"* ]]
	# HTCondor's exact words, with no program prefix
	run bash -c 'condor_config_val nope 2>&1 >/dev/null'
	assert_output "Not defined: NOPE"
}

@test "no names is a usage error" {
	run_split 1 condor_config_val
	[ -z "$output" ]
	[[ "$stderr" == "usage: condor_config_val"* ]]
}

@test "--help and -help print usage on stdout and exit 0" {
	run_split 0 condor_config_val --help
	[[ "$output" == "usage: condor_config_val"* ]]
	[[ "$output" == *"-dump"* ]]
	[ -z "$stderr" ]
	run_split 0 condor_config_val -help
	[[ "$output" == "usage: condor_config_val"* ]]
}

@test "an unknown option exits 1 with usage on stderr" {
	run_split 1 condor_config_val -bogus SPOOL
	[ -z "$output" ]
	[[ "$stderr" == *"-bogus is not a valid argument"* ]]
	[[ "$stderr" == *"usage: condor_config_val"* ]]
}

@test "the configuration file overrides defaults" {
	conf 'NUM_CPUS = 3;' 'SPOOL = "/srv/spool";' 'AUTOSTART_MASTER = false;' 'RATIO = 0.25;'
	run_split 0 condor_config_val NUM_CPUS SPOOL EXECUTE ratio
	assert_equal "${lines[0]}" 3
	assert_equal "${lines[1]}" /srv/spool
	assert_equal "${lines[2]}" "$TESTDIR/local/execute"
	assert_equal "${lines[3]}" 0.25
}

@test "_CONDOR_ variables in any case override the file" {
	conf 'SPOOL = "/from/file";'
	_condor_Spool=/from/env run_split 0 condor_config_val SPOOL
	assert_output /from/env
	_CoNdOr_NEW_KNOB='  spaced  ' run_split 0 condor_config_val new_knob
	assert_output spaced
}

@test "\$(NAME) references expand on lookup; -raw shows them" {
	conf 'A = "$(LOCAL_DIR)/a";' 'B = "$(NOT_SET:fallback)-$(A)";' 'J = "$$(Memory)";'
	run_split 0 condor_config_val A B J
	assert_equal "${lines[0]}" "$TESTDIR/local/a"
	assert_equal "${lines[1]}" "fallback-$TESTDIR/local/a"
	assert_equal "${lines[2]}" '$$(Memory)'
	run_split 0 condor_config_val -raw A SPOOL
	assert_equal "${lines[0]}" '$(LOCAL_DIR)/a'
	assert_equal "${lines[1]}" '$(LOCAL_DIR)/spool'
	# an override of LOCAL_DIR moves everything defined from it
	_CONDOR_LOCAL_DIR=/elsewhere run_split 0 condor_config_val A spool
	assert_equal "${lines[0]}" /elsewhere/a
	assert_equal "${lines[1]}" /elsewhere/spool
}

@test "a reference cycle neither hangs nor crashes" {
	conf 'X = "<$(Y)>";' 'Y = "($(X))";' 'SELF = "a$(SELF)b";'
	run_split 0 condor_config_val X SELF
	assert_equal "${lines[0]}" '<()>'
	assert_equal "${lines[1]}" ab
}

@test "-verbose says where each value came from" {
	conf '# comment' 'NUM_CPUS = 3;'
	_CONDOR_SPOOL=/env/spool run_split 0 condor_config_val -verbose NUM_CPUS spool LOCK
	assert_equal "${lines[0]}" "NUM_CPUS = 3"
	assert_equal "${lines[1]}" " # at: $CONDOR_CONFIG, line 2"
	assert_equal "${lines[2]}" " # raw: NUM_CPUS = 3"
	assert_equal "${lines[3]}" ' # default: $(DETECTED_CPUS_LIMIT)'
	assert_equal "${lines[4]}" "SPOOL = /env/spool"
	assert_equal "${lines[5]}" " # at: <Environment>"
	assert_equal "${lines[6]}" " # raw: SPOOL = /env/spool"
	assert_line "LOCK = $TESTDIR/local/log"
	assert_line " # at: <Default>"
	assert_line ' # raw: LOCK = $(LOG)'
	# each entry ends with an empty line
	run bash -c 'condor_config_val -verbose LOCK | tail -n 1 | wc -c'
	assert_output 1
}

@test "-default prints the compiled-in value" {
	conf 'SPOOL = "/srv/spool";'
	run_split 0 condor_config_val -default SPOOL
	assert_output '$(LOCAL_DIR)/spool'
	run_split 1 condor_config_val -default NOT_A_DEFAULT_KNOB
	assert_output ""
	[[ "$stderr" == *"Not defined: NOT_A_DEFAULT_KNOB"* ]]
	run_split 1 condor_config_val -default -verbose SPOOL
	[[ "$stderr" == *"cannot be used together"* ]]
}

@test "-dump prints every knob, raw, with header and sources" {
	conf 'MY_KNOB = "$(SPOOL)/mine";'
	run_split 0 condor_config_val -dump
	assert_equal "${lines[0]}" "# Configuration from machine: $(condor_config_val FULL_HOSTNAME)"
	assert_line 'SPOOL = $(LOCAL_DIR)/spool'
	assert_line 'MY_KNOB = $(SPOOL)/mine'
	assert_line "LOCAL_DIR = $TESTDIR/local"
	assert_line 'MachineMaxVacateTime = 600'
	assert_equal "${lines[-2]}" "# Contributing configuration file(s):"
	assert_equal "${lines[-1]}" "#	$CONDOR_CONFIG"
	run_split 0 condor_config_val -dump -expanded
	assert_line "SPOOL = $TESTDIR/local/spool"
	assert_line "MY_KNOB = $TESTDIR/local/spool/mine"
}

@test "-dump with a regex prints only matching names" {
	run_split 0 condor_config_val -dump '^spool$'
	assert_line "# Parameters with names that match ^spool\$:"
	assert_line 'SPOOL = $(LOCAL_DIR)/spool'
	refute_line --partial 'HISTORY'
	run_split 1 condor_config_val -dump 'a['
	[[ "$stderr" == *"invalid regular expression 'a['"* ]]
}

@test "options may be abbreviated as in HTCondor" {
	run_split 0 condor_config_val -v LOCK
	assert_line " # at: <Default>"
	run_split 0 condor_config_val -du '^LOCK$'
	assert_line 'LOCK = $(LOG)'
}

@test "-config lists the files read" {
	run_split 0 condor_config_val -config
	assert_output "	$CONDOR_CONFIG"
	[[ "$stderr" == *"Configuration source:"* ]]
	CONDOR_CONFIG=ONLY_ENV run_split 0 condor_config_val -config SPOOL
	assert_output "$TESTDIR/local/spool"
	[[ "$stderr" == *"Can't find the configuration source."* ]]
}

@test "without CONDOR_CONFIG the per-user XDG file is read" {
	unset CONDOR_CONFIG
	mkdir -p "$XDG_CONFIG_HOME/condorlet"
	printf 'SPOOL = "/from/xdg";\n' > "$XDG_CONFIG_HOME/condorlet/condorlet.conf"
	run_split 0 condor_config_val SPOOL
	assert_output /from/xdg
	run_split 0 condor_config_val -config
	assert_line "	$XDG_CONFIG_HOME/condorlet/condorlet.conf"
	rm "$XDG_CONFIG_HOME/condorlet/condorlet.conf"
	run_split 0 condor_config_val SPOOL
	assert_output "$TESTDIR/local/spool"
}

@test "a syntax error names the file and line and fails" {
	conf 'A = 1;' 'B = ;'
	run_split 1 condor_config_val A
	[ -z "$output" ]
	[[ "$stderr" == "condor_config_val: $CONDOR_CONFIG:2: syntax error"* ]]
}

@test "a group is rejected with file and line" {
	conf 'A = 1;' 'G = { x = 1; };'
	run_split 1 condor_config_val A
	assert_equal "$stderr" "condor_config_val: $CONDOR_CONFIG:2: knob G: groups are not supported"
}

@test "an array becomes a comma-separated list" {
	conf 'QUEUE_SUPER_USERS = ["root", "alice"];'
	run_split 0 condor_config_val QUEUE_SUPER_USERS
	assert_output "root, alice"
}

@test "CONDOR_CONFIG naming a missing file is an error" {
	CONDOR_CONFIG="$TESTDIR/missing.conf" run_split 1 condor_config_val SPOOL
	[ -z "$output" ]
	[[ "$stderr" == *"$TESTDIR/missing.conf"*"does not exist"* ]]
}
