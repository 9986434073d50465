"""Entrypoint scripts shaped like the official images' (our own text, following the structure of
docker-library/postgres, redis, nginx and node docker-entrypoint.sh, zabbix-docker 4.0's
server-mysql docker-entrypoint.sh and jenkinsci/docker's jenkins.sh), for tests/test_entrypoint.py
and tests/test_entrypoint_kernel.py. APP is replaced by the program the test runs."""

POSTGRES = r"""#!/usr/bin/env bash
set -Eeo pipefail

# is this file being run, or sourced by another script?
_is_sourced() {
	[ "${#FUNCNAME[@]}" -ge 2 ] \
		&& [ "${FUNCNAME[0]}" = '_is_sourced' ] \
		&& [ "${FUNCNAME[1]}" = 'source' ]
}

# VAR from the environment, or from the file named by VAR_FILE
env_from_file() {
	local var="$1"
	local fileVar="${var}_FILE"
	local def="${2:-}"
	local val="$def"
	if [ "${!var:-}" ]; then
		val="${!var}"
	elif [ "${!fileVar:-}" ]; then
		val="$(< "${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

# arguments that make the server print something and stop
_wants_help() {
	local arg
	for arg; do
		case "$arg" in
			-'?'|--help|--describe-config|-V|--version)
				return 0
				;;
		esac
	done
	return 1
}

_main() {
	# a first argument that is a flag means the server
	if [ "${1:0:1}" = '-' ]; then
		set -- APP "$@"
	fi

	if [ "$1" = 'APP' ] && ! _wants_help "$@"; then
		env_from_file POSTGRES_PASSWORD
		mkdir -p "${PGDATA:-/tmp}"
		if [ "$(id -u)" = '0' ]; then
			# run this script again as the unprivileged user
			exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$BASH_SOURCE" "$@"
		fi

		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			cat <<-'EOM'
				init process complete; ready for start up.
			EOM
		fi
	fi

	exec "$@"
}

if ! _is_sourced; then
	_main "$@"
fi
"""

REDIS = r"""#!/bin/sh
set -e

# a flag or a config file first: run the server with it
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- APP "$@"
fi

# started as root: fix the ownership, then run again as the service user
if [ "$1" = 'APP' -a "$(id -u)" = '0' ]; then
	find . \! -user nobody -exec chown nobody '{}' +
	exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$0" "$@"
fi

um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

exec "$@"
"""

NGINX = r"""#!/bin/sh
# vim:sw=4:ts=4:et

set -e

entrypoint_log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

if [ "$1" = "APP" ] || [ "$1" = "APP-debug" ]; then
    if /usr/bin/find "/docker-entrypoint.d/" -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null | read v; then
        entrypoint_log "$0: looking for shell scripts in /docker-entrypoint.d/"
        find "/docker-entrypoint.d/" -follow -type f -print | sort -V | while read -r f; do
            case "$f" in
                *.envsh)
                    if [ -x "$f" ]; then
                        . "$f"
                    fi
                    ;;
                *.sh)
                    if [ -x "$f" ]; then
                        "$f"
                    fi
                    ;;
                *) entrypoint_log "$0: ignoring $f";;
            esac
        done
        entrypoint_log "$0: configuration complete; ready for start up"
    else
        entrypoint_log "$0: no files found in /docker-entrypoint.d/"
    fi
fi

exec "$@"
"""

NODE = r"""#!/bin/sh
set -e

# a flag first, or something that is not a command: run it with node
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
"""

# zabbix-docker 4.0 server-mysql (Ubuntu): given no arguments, `exec su zabbix -c …`
ZABBIX = r"""#!/bin/bash

set -o pipefail

set +e

# Script trace mode
if [ "${DEBUG_MODE}" == "true" ]; then
    set -o xtrace
fi

escape_spec_char() {
    local var_value=$1

    var_value="${var_value//\\/\\\\}"
    echo "$var_value"
}

prepare_db() {
    echo "** Preparing database"
    if [ -n "$DB_SERVER_HOST" ]; then
        echo "** Using $DB_SERVER_HOST"
    fi
}

prepare_server() {
    echo "** Preparing Zabbix server"
    prepare_db
}

#################################################

echo "########################################################"

if [ "$1" != "" ]; then
    echo "** Executing '$@'"
    exec "$@"
else
    prepare_server
    echo "** Starting Zabbix server"
    exec su nobody -s "/bin/bash" -c "APP --foreground -c /etc/zabbix/zabbix_server.conf"
fi

#################################################
"""

JENKINS = r"""#! /bin/bash -e

: "${JENKINS_WAR:="/usr/share/jenkins/jenkins.war"}"
: "${JENKINS_HOME:="/var/jenkins_home"}"
touch "${COPY_REFERENCE_FILE_LOG:="${JENKINS_HOME}/copy_reference_file.log"}" || { echo "Can not write"; exit 1; }

# a first argument starting with `--` is for the launcher
if [[ $# -lt 1 ]] || [[ "$1" == "--"* ]]; then

  # JAVA_OPTS and JENKINS_OPTS read into arrays
  java_opts_array=()
  while IFS= read -r -d '' item; do
    java_opts_array+=( "$item" )
  done < <([[ $JAVA_OPTS ]] && xargs printf '%s\0' <<<"$JAVA_OPTS")

  exec APP -Duser.home="$JENKINS_HOME" "${java_opts_array[@]}" -jar "${JENKINS_WAR}" "$@"
fi

# As argument is not jenkins, assume user wants to run a different process
exec "$@"
"""

# Not exec'ing the server: the shell stays PID 1 (SIG001).
NO_EXEC = r"""#!/bin/sh
set -e
if [ -z "$PORT" ]; then
    PORT=8080
fi
echo "starting on $PORT"
APP --port "$PORT"
"""


def script(text: str, app: str = "app") -> str:
    return text.replace("APP", app)
