#!/bin/sh
# conformance-check: runs as the container process (busybox sh, inside the
# container) and compares what it sees with the expectations the harness derived
# from config.json.  One expectation per line of /conformance-expect, fields
# separated by TABs: KIND<TAB>ARG...  Reports TAP version 13 on stdout.
#
# Everything is read from /proc/$$ (this shell, the container process itself):
# helpers such as awk or cat are separate processes whose capabilities were
# recomputed by their own execve.

EXPECT=${1:-/conformance-expect}
SELF=$(readlink -f "$0")  # $0 may be relative or '//conformance-check' after a PATH search
TAB=$(printf '\t')

# Snapshot our open fds before this script opens anything else.  The glob's
# own directory fd is listed too but is closed by the time the loop tests it
# (the builtin test opens nothing).
FDS=""
for fd in /proc/$$/fd/*; do [ -e "$fd" ] && FDS="$FDS ${fd##*/}"; done

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
    n=$((n + 1)); failed=$((failed + 1))
    echo "not ok $n - $1"
    echo "  ---"
    echo "  got: '$2'"
    echo "  ..."
}
expect_eq() { # description expected got
    if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "$3 (want $2)"; fi
}
squeeze() { tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'; }
proc_path() { case $1 in /proc/self/*) echo "/proc/$$/${1#/proc/self/}" ;; *) echo "$1" ;; esac; }

# mountinfo_of DEST -> "peropts|fstype|superopts|optional fields" of the top mount at DEST
mountinfo_of() {
    awk -v d="$1" '$5 == d {
        i = 7; opt = ""
        while ($i != "-") { opt = opt " " $i; i++ }
        line = $6 "|" $(i + 1) "|" $(i + 3) "|" opt
    } END { print line }' /proc/$$/mountinfo
}
has_opt() { # "a,b,c" opt
    case ",$1," in *",$2,"*) return 0 ;; esac
    return 1
}

check_status() { # FIELD EXPECTED
    got=$(awk -v k="$1:" '$1 == k { $1 = ""; print }' /proc/$$/status | squeeze)
    expect_eq "status $1 is '$2'" "$2" "$got"
}

check_file() { # PATH EXPECTED
    p=$(proc_path "$1")
    if [ ! -e "$p" ]; then notok "$1 reads '$2'" "no such file"; return; fi
    got=$(squeeze < "$p")
    expect_eq "$1 reads '$2'" "$2" "$got"
}

check_limit() { # LABEL SOFT HARD
    line=$(grep "^$1 " /proc/$$/limits)
    soft=$(echo "$line" | cut -c27-46 | squeeze)
    hard=$(echo "$line" | cut -c48-67 | squeeze)
    expect_eq "limit '$1' is $2/$3" "$2 $3" "$soft $hard"
}

check_ns() { # TYPE same|differ INODE
    got=$(readlink /proc/$$/ns/$1)
    got=${got#*[}; got=${got%]}
    if [ "$2" = same ]; then
        expect_eq "namespace $1 is inode $3" "$3" "$got"
    elif [ -n "$got" ] && [ "$got" != "$3" ]; then
        ok "namespace $1 is new (not host inode $3)"
    else
        notok "namespace $1 is new (not host inode $3)" "$got"
    fi
}

check_mount() { # DEST FSTYPE [OPT...]
    dest=$1; fstype=$2; shift 2
    info=$(mountinfo_of "$dest")
    if [ -z "$info" ]; then notok "$dest is a mount point" "not mounted"; return; fi
    per=${info%%|*}; rest=${info#*|}; typ=${rest%%|*}; rest=${rest#*|}; super=${rest%%|*}
    if [ "$fstype" != - ]; then expect_eq "$dest has type $fstype" "$fstype" "$typ"; fi
    for o in "$@"; do
        if has_opt "$per" "$o" || has_opt "$super" "$o"; then ok "$dest mounted with $o"
        else notok "$dest mounted with $o" "$per $super"; fi
    done
}

check_order() { # DEST...: each destination's top mount appears after the previous one
    prev=0; prevd=""
    for d in "$@"; do
        ln=$(awk -v d="$d" '$5 == d { l = NR } END { print l + 0 }' /proc/$$/mountinfo)
        if [ "$ln" -gt "$prev" ]; then prev=$ln; prevd=$d
        else notok "mounts in listed order: $d after $prevd" "line $ln <= $prev"; return; fi
    done
    ok "mounts in listed order"
}

check_masked() { # PATH
    if [ ! -e "$1" ] && [ ! -L "$1" ]; then ok "masked $1 (absent)"; return; fi
    if [ -d "$1" ]; then
        got=$(ls -A "$1" 2>&1)
        expect_eq "masked dir $1 is empty" "" "$got"
    else
        got=$(head -c 1 "$1" 2>/dev/null | wc -c)
        expect_eq "masked file $1 reads empty" "0" "$got"
    fi
}

check_readonly() { # PATH
    if [ ! -e "$1" ]; then ok "readonly $1 (absent)"; return; fi
    info=$(mountinfo_of "$1")
    per=${info%%|*}
    if [ -n "$info" ] && has_opt "$per" ro; then ok "readonly $1 is a read-only mount"
    else notok "readonly $1 is a read-only mount" "${info:-not a mount point}"; fi
}

check_device() { # PATH TYPE MAJOR_HEX MINOR_HEX MODE UID GID ('-' = any)
    if [ ! -e "$1" ]; then notok "device $1 exists" "no such file"; return; fi
    set -- "$@" $(stat -L -c '%t %T %a %u %g' "$1")
    kind=$(stat -L -c '%F' "$1")
    case $2 in
        c) want="character special file" ;; b) want="block special file" ;; p) want="fifo" ;;
        *) want=$2 ;;
    esac
    expect_eq "device $1 is a $want" "$want" "$kind"
    if [ "$2" != p ]; then expect_eq "device $1 is $3:$4 (hex)" "$3:$4" "$8:$9"; fi
    if [ "$5" != - ]; then expect_eq "device $1 has mode $5" "$5" "${10}"; fi
    if [ "$6" != - ]; then expect_eq "device $1 is owned by uid $6" "$6" "${11}"; fi
    if [ "$7" != - ]; then expect_eq "device $1 is owned by gid $7" "$7" "${12}"; fi
}

check_fds() {
    extra=""
    for fd in $FDS; do
        case $fd in 0|1|2) continue ;; esac
        target=$(readlink "/proc/$$/fd/$fd")
        [ "$target" = "$SELF" ] && continue
        extra="$extra $fd->$target"
    done
    expect_eq "no open fds beyond 0-2" "" "$extra"
}

check_env() { # KEY=VALUE
    if env | grep -qxF -- "$1"; then ok "env has $1"; else notok "env has $1" "$(env | grep -F -- "${1%%=*}=")"; fi
}

check_propagation() { # shared|slave|private|unbindable
    info=$(mountinfo_of /)
    tags=${info##*|}
    case $1 in
        shared) pat="shared:" ;; slave) pat="master:" ;; unbindable) pat="unbindable" ;; private) pat="" ;;
    esac
    if [ -n "$pat" ]; then
        case "$tags" in *"$pat"*) ok "rootfs propagation is $1" ;; *) notok "rootfs propagation is $1" "'$tags'" ;; esac
    else
        case "$tags" in *shared:*|*master:*|*unbindable*) notok "rootfs propagation is private" "'$tags'" ;;
            *) ok "rootfs propagation is private" ;; esac
    fi
}

run_cmd() { # expect(ok|fail) DESCRIPTION CMD
    sh -c "$3" </dev/null >/dev/null 2>&1
    rc=$?
    if [ "$1" = ok ] && [ $rc -eq 0 ]; then ok "$2"
    elif [ "$1" = fail ] && [ $rc -ne 0 ]; then ok "$2"
    else notok "$2" "exit status $rc"; fi
}

echo "TAP version 13"
while IFS="$TAB" read -r kind a b c d e f g; do
    case $kind in
        ''|'#'*) ;;
        status) check_status "$a" "$b" ;;
        file) check_file "$a" "$b" ;;
        limit) check_limit "$a" "$b" "$c" ;;
        ns) check_ns "$a" "$b" "$c" ;;
        mount) check_mount "$a" "$b" $c ;;
        order) check_order $a ;;
        masked) check_masked "$a" ;;
        readonly) check_readonly "$a" ;;
        device) check_device "$a" "$b" "$c" "$d" "$e" "$f" "$g" ;;
        cwd) expect_eq "cwd is $a" "$a" "$(readlink /proc/$$/cwd)" ;;
        env) check_env "$a" ;;
        pid1) expect_eq "process is PID 1" 1 "$$" ;;
        fds) check_fds ;;
        rootro) run_cmd fail "root filesystem refuses writes" "touch /.conformance-rw"
                info=$(mountinfo_of /)
                if has_opt "${info%%|*}" ro; then ok "root is a read-only mount"; else notok "root is a read-only mount" "$info"; fi ;;
        propagation) check_propagation "$a" ;;
        run) run_cmd "$a" "$b" "$c" ;;
        *) notok "known expectation kind '$kind'" "$kind" ;;
    esac
done < "$EXPECT"
echo "1..$n"
[ $failed -eq 0 ]
