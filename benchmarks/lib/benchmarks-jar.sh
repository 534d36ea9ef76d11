# Sourced by benchmarks/jmh and the benchmark scripts that run the JMH uber-jar, with $root set to
# the repository: sets $jar and builds the jar first when it is missing or REBUILD is set.
# shellcheck shell=bash
# shellcheck disable=SC2154 # $root: set by the sourcing script
jar="$root/benchmarks/target/benchmarks.jar"
if [ ! -f "$jar" ] || [ -n "${REBUILD:-}" ]; then
    echo "${0##*/}: building $jar" >&2
    (cd "$root" && mvn -B -q -pl benchmarks -am package -DskipTests)
fi
