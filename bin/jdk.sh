# Sourced by ./sluice, ./run-tests and the benchmark scripts: sets JAVA_HOME to a JDK >= 25.
# Order: $JAVA_HOME if it is >= 25, else the newest JDK >= 25 under /usr/lib/jvm.

sluice_java_feature() { # prints the feature release of the JDK at $1, or nothing
    local v
    v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
    case "$v" in 1.*) echo "${v#1.}" ;; *) echo "$v" ;; esac
}

sluice_find_jdk() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
        local f; f=$(sluice_java_feature "$JAVA_HOME")
        if [ -n "$f" ] && [ "$f" -ge 25 ]; then return 0; fi
    fi
    local best="" bestf=0 d f
    for d in /usr/lib/jvm/*/; do
        d=${d%/}
        [ -x "$d/bin/javac" ] || continue
        f=$(sluice_java_feature "$d")
        [ -n "$f" ] || continue
        if [ "$f" -ge 25 ] && [ "$f" -gt "$bestf" ]; then best=$d; bestf=$f; fi
    done
    if [ -z "$best" ]; then
        echo "sluice: needs a JDK 25 or newer, none found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm)." >&2
        echo "sluice: install one, e.g. 'apt-get install temurin-25-jdk' from Adoptium's repository, or set JAVA_HOME." >&2
        return 1
    fi
    export JAVA_HOME=$best
}

sluice_find_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
