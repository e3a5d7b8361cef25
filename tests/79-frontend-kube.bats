#!/usr/bin/env bats
# pea kube play|down|generate (podman-kube-play(1), podman-kube-generate(1), podman's
# test/system 700-play and 710-kube): the plan of pea commands a YAML file makes, every bad
# file refused with one line, exit 125 and nothing made, and the YAML of a container.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend

setup_file() {
	ensure_fixtures
	fe_server_start
}

teardown_file() {
	fe_server_stop
	registry_stop
}

setup() {
	require_root
	require_cmd "$PEA"
	require_cmd tini
	fe_setup
}

teardown() {
	registry_stop
	if [[ -n ${HTTPD_PID:-} ]]; then
		kill "$HTTPD_PID" 2>/dev/null || true
		wait "$HTTPD_PID" 2>/dev/null || true
	fi
	fe_teardown
}

# yaml NAME: standard input into $TEST_DIR/NAME.yaml; prints its path.
yaml() {
	cat >"$TEST_DIR/$1.yaml"
	echo "$TEST_DIR/$1.yaml"
}

# refused FILE WANT: kube play FILE fails with one line matching WANT, 125, and makes nothing.
refused() {
	local file=$1 want=$2
	run -125 pea_cmd kube play "$file"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "^Error: .*$want"
	run -0 pea_cmd ps -aq
	assert_output ""
	run -0 pea_cmd volume ls -q
	assert_output ""
}

# yaml2json: what python's YAML reader makes of standard input, as JSON.
yaml2json() {
	python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'
}

@test "kube play --print-plan: a Pod's fields as pod create and create arguments" {
	mkdir -p "$TEST_DIR/host"
	f=$(yaml pod <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: "1"}
  annotations: {note: hi}
spec:
  hostname: box
  restartPolicy: OnFailure
  securityContext: {runAsUser: 7}
  containers:
  - name: srv
    image: busybox
    command: [httpd, -f]
    args: [-p, "8080"]
    workingDir: /www
    env:
    - {name: A, value: "x y"}
    - {name: B, valueFrom: {configMapKeyRef: {name: cm, key: b}}}
    - {name: C, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: D, valueFrom: {configMapKeyRef: {name: cm, key: nope, optional: true}}}
    ports:
    - {containerPort: 8080, hostPort: 18080, hostIP: 127.0.0.1}
    - {containerPort: 53, protocol: UDP}
    securityContext:
      runAsGroup: 8
      privileged: false
      allowPrivilegeEscalation: false
      capabilities: {add: [NET_ADMIN], drop: [ALL]}
      readOnlyRootFilesystem: true
      seLinuxOptions: {level: "s0:c1,c2"}
    resources:
      limits: {memory: 64Mi, cpu: 250m}
    volumeMounts:
    - {name: host, mountPath: /www, readOnly: true}
    - {name: data, mountPath: /data}
    - {name: scratch, mountPath: /scratch}
    - {name: made, mountPath: /made}
  volumes:
  - {name: host, hostPath: {path: $TEST_DIR/host, type: Directory}}
  - {name: data, persistentVolumeClaim: {claimName: webdata}}
  - {name: scratch, emptyDir: {}}
  - {name: made, hostPath: {path: $TEST_DIR/made, type: DirectoryOrCreate}}
---
kind: ConfigMap
metadata: {name: cm}
data: {b: from-cm}
---
kind: Service
metadata: {name: ignored}
EOF
)
	run -0 pea_cmd kube play --print-plan "$f"
	assert_line --index 0 "mkdir $TEST_DIR/made"
	assert_line --index 1 "pod create --name web --hostname box --exit-policy stop --label app=web --label tier=1 -p 127.0.0.1:18080:8080/tcp -p 53:53/udp"
	assert_line --index 2 "create --pod web --name web-srv --restart on-failure -w /www --annotation note=hi -e A=x y -e B=from-cm -e C=web --user 7:8 --read-only --security-opt no-new-privileges --cap-add NET_ADMIN --cap-drop ALL --memory 67108864 --cpus 0.250 -v $TEST_DIR/host:/www:ro -v webdata:/data -v /scratch -v $TEST_DIR/made:/made --entrypoint [\"httpd\",\"-f\"] busybox -p 8080"
	assert_equal "${#lines[@]}" 3
	# the plan made nothing
	[[ ! -e $TEST_DIR/made ]]

	# --network, --log-driver, --annotation, a ConfigMap from --configmap, a Deployment (its pod NAME-pod-0)
	f=$(yaml dep <<EOF
kind: Deployment
metadata: {name: app}
spec:
  template:
    metadata: {labels: {app: app}}
    spec:
      hostNetwork: true
      containers:
      - name: c
        image: busybox
        env: [{name: K, valueFrom: {configMapKeyRef: {name: ext, key: k}}}]
EOF
)
	printf 'kind: ConfigMap\nmetadata: {name: ext}\ndata: {k: "1"}\n' >"$TEST_DIR/cm.yaml"
	run -0 pea_cmd kube play --print-plan --configmap "$TEST_DIR/cm.yaml" --log-driver k8s-file --annotation a=b "$f"
	assert_line --index 0 "pod create --name app-pod-0 --hostname app-pod-0 --exit-policy stop --label app=app --network host"
	assert_line --index 1 "create --pod app-pod-0 --name app-pod-0-c --restart always --log-driver k8s-file --annotation a=b -e K=1 busybox"
	# an IPv6 hostIP goes in brackets, as -p reads it
	run -0 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" kube play --print-plan - <<<$'kind: Pod\nmetadata: {name: six}\nspec:\n  containers:\n  - {name: c, image: busybox, ports: [{containerPort: 80, hostPort: 8080, hostIP: "::1"}]}'
	assert_line --index 0 --partial "-p [::1]:8080:80/tcp"
	run -0 pea_cmd kube play --print-plan --network none "$f" --configmap="$TEST_DIR/cm.yaml"
	assert_line --index 0 "pod create --name app-pod-0 --hostname app-pod-0 --exit-policy stop --label app=app --network none"

	# replicas: a pod each (podman 4.3); a DaemonSet is one pod
	run -0 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" kube play --print-plan - <<<$'kind: Deployment\nmetadata: {name: r}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers: [{name: c, image: busybox}]\n---\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: busybox}]'
	assert_output $'pod create --name r-pod-0 --hostname r-pod-0 --exit-policy stop\ncreate --pod r-pod-0 --name r-pod-0-c --restart always busybox\npod create --name r-pod-1 --hostname r-pod-1 --exit-policy stop\ncreate --pod r-pod-1 --name r-pod-1-c --restart always busybox\npod create --name d-pod --hostname d-pod --exit-policy stop\ncreate --pod d-pod --name d-pod-c --restart always busybox'
	# a PersistentVolumeClaim alone is a volume; standard input is read for -
	run -0 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" kube play --print-plan - <<<$'kind: PersistentVolumeClaim\nmetadata: {name: v1}'
	assert_output "volume create v1"
}

@test "kube play: a bad file is one line, exit 125, and nothing made" {
	refused "$TEST_DIR/nosuch.yaml" "reading '$TEST_DIR/nosuch.yaml': open '$TEST_DIR/nosuch.yaml': No such file or directory"
	f=$(yaml bad <<<$'kind: Pod\nmetadata:\n  name: [x\n')
	refused "$f" "yaml: line 5, column 1: did not find expected"
	f=$(yaml kind <<<$'kind: Service\nmetadata: {name: s}')
	refused "$f" "YAML document does not contain any supported kube kind"
	f=$(yaml cm <<<$'kind: ConfigMap\nmetadata: {name: s}')
	refused "$f" "ConfigMaps in podman are not a standalone object and must be used in a container"
	f=$(yaml noimage <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c')
	refused "$f" "pod 'p': container 'c' has no image"
	f=$(yaml noname <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - image: busybox')
	refused "$f" "pod 'p': container 1 \(line 5\) has no name"
	f=$(yaml dup <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: busybox}\n  - {name: c, image: busybox}')
	refused "$f" "pod 'p': container name 'c' is used twice"
	f=$(yaml nopodname <<<$'kind: Pod\nspec:\n  containers:\n  - {name: c, image: busybox}')
	refused "$f" "Pod has no metadata.name"
	f=$(yaml nospec <<<$'kind: Pod\nmetadata: {name: p}')
	refused "$f" "pod 'p' has no spec"
	f=$(yaml longann <<<$'kind: Pod\nmetadata:\n  name: p\n  annotations: {test: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}\nspec:\n  containers:\n  - {name: c, image: busybox}')
	refused "$f" 'invalid annotation "test"="a{65}"'
	f=$(yaml vol <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    volumeMounts: [{name: v, mountPath: /v}]')
	refused "$f" "container 'c': no volume 'v' in spec.volumes"
	f=$(yaml hp <<<$"kind: Pod
metadata: {name: p}
spec:
  containers:
  - {name: c, image: busybox, volumeMounts: [{name: v, mountPath: /v}]}
  volumes: [{name: v, hostPath: {path: $TEST_DIR/none, type: Directory}}]")
	refused "$f" "volume 'v': hostPath '$TEST_DIR/none': No such file or directory"
	f=$(yaml hptype <<<$"kind: Pod
metadata: {name: p}
spec:
  containers:
  - {name: c, image: busybox, volumeMounts: [{name: v, mountPath: /v}]}
  volumes: [{name: v, hostPath: {path: /dev/null, type: CharDevice}}]")
	refused "$f" "volume 'v': hostPath type 'CharDevice' is not supported"
	f=$(yaml hprel <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: busybox, volumeMounts: [{name: v, mountPath: /v}]}\n  volumes: [{name: v, hostPath: {path: data}}]')
	refused "$f" "volume 'v': hostPath 'data' must be an absolute path without ':' or ','"
	f=$(yaml subpvc <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: busybox, volumeMounts: [{name: v, mountPath: /v, subPath: s}]}\n  volumes: [{name: v, persistentVolumeClaim: {claimName: cl}}]')
	refused "$f" "container 'c': volumeMount 'v': subPath 's' is supported on a hostPath only, without '..', ':' or ','"
	f=$(yaml cmref <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    env: [{name: E, valueFrom: {configMapKeyRef: {name: m, key: k}}}]')
	refused "$f" "container 'c': env 'E': no key 'k' in ConfigMap 'm'"
	f=$(yaml mem <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: busybox, resources: {limits: {memory: lots}}}')
	refused "$f" "container 'c': invalid memory limit 'lots'"
	f=$(yaml port <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: busybox, ports: [{containerPort: 70000}]}')
	refused "$f" "container 'c': invalid containerPort '70000'"
	f=$(yaml policy <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  restartPolicy: Sometimes\n  containers:\n  - {name: c, image: busybox}')
	refused "$f" "invalid restartPolicy 'Sometimes'"
	f=$(yaml init <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  initContainers: [{name: c, image: busybox}]\n  containers:\n  - {name: c, image: busybox}')
	refused "$f" "pod 'p': container name 'c' is used twice"
	f=$(yaml alias <<<$'kind: &k Pod\nmetadata: {name: *k}')
	refused "$f" "yaml: line 1, column 7: anchors are not supported"

	f=$(yaml ok <<<$'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: busybox}')
	run -125 pea_cmd kube play --annotation "name=$(printf 'a%.0s' {1..65})" "$f"
	assert_output --regexp "^Error: annotation exceeds maximum size, 63, of kubernetes annotation: name=a{65}$"
	run -125 pea_cmd kube play "$f" "$f"
	assert_output "Error: accepts 1 arg(s), received 2"
	run -125 pea_cmd kube play --start=maybe "$f"
	assert_output --partial "maybe"
	run -125 pea_cmd kube down "$TEST_DIR/nosuch.yaml"
	assert_output "Error: reading '$TEST_DIR/nosuch.yaml': open '$TEST_DIR/nosuch.yaml': No such file or directory"
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "kube generate: a container as a Pod, as podman 4.3 writes it" {
	fe_load_busybox
	run -0 pea_cmd create --name gen1 busybox top
	run -0 pea_cmd kube generate gen1
	assert_line --index 0 --partial "# Save the output of this file"
	json=$(yaml2json <<<"$output")
	check() {
		assert_equal "$(jq -r -c "$1" <<<"$json")" "$2"
	}
	check .apiVersion v1
	check .kind Pod
	check '.metadata.annotations."io.kubernetes.cri-o.TTY/gen1"' false
	check '.metadata.annotations."io.podman.annotations.autoremove/gen1"' FALSE
	check '.metadata.annotations."io.podman.annotations.init/gen1"' FALSE
	check '.metadata.annotations."io.podman.annotations.privileged/gen1"' FALSE
	check '.metadata.annotations."io.podman.annotations.publish-all/gen1"' FALSE
	check .metadata.labels.app gen1-pod
	check .metadata.name gen1-pod
	check '.spec.containers[0].command' '["top"]'
	check '.spec.containers[0].image' localhost/busybox:latest
	check '.spec.containers[0].name' gen1
	check '.spec.containers[0].securityContext.capabilities' '{"drop":["CAP_MKNOD","CAP_NET_RAW","CAP_AUDIT_WRITE"]}'
	check .status null
	[[ $(jq -r .metadata.creationTimestamp <<<"$json") =~ ^[0-9-]+T[0-9:]+Z$ ]]

	# the older name, -f FILE, and a YAML that kube play takes back
	run -0 pea_cmd generate kube -f "$TEST_DIR/gen.yaml" gen1
	assert_output ""
	run -0 pea_cmd kube play --print-plan "$TEST_DIR/gen.yaml"
	assert_line --index 1 --partial 'create --pod gen1-pod --name gen1-pod-gen1 --restart always'
	run -125 pea_cmd kube generate -f "$TEST_DIR/gen.yaml" gen1
	assert_output "Error: cannot write to $TEST_DIR/gen.yaml: file exists"
	run -125 pea_cmd kube generate nosuch
	assert_output "Error: nosuch: no such pod or container"
	run -125 pea_cmd kube generate
	assert_output "Error: at least one container, pod or volume is required"
	run -0 pea_cmd kube generate --help
	assert_line "  pea kube generate [options] {CONTAINER...|POD...|VOLUME...}"
	run -0 pea_cmd generate kube --help
	assert_line "  pea generate kube [options] {CONTAINER...|POD...|VOLUME...}"
}

@test "kube play: a Pod's containers run in its pod; play --replace, kube down" {
	fe_load_busybox
	mkdir -p "$TEST_DIR/testdir"
	echo hello >"$TEST_DIR/testdir/f"
	f=$(yaml run <<YAML
apiVersion: v1
kind: Pod
metadata:
  labels: {app: test}
  name: test_pod
spec:
  restartPolicy: Never
  containers:
  - command: [sleep, "100"]
    env:
    - {name: GREETING, value: hi there}
    image: busybox
    name: test
    securityContext: {runAsUser: 1000, runAsGroup: 3000}
    volumeMounts:
    - {mountPath: /testdir, name: home}
    - {mountPath: /data, name: data}
    workingDir: /testdir
  - command: [sh, -c, 'echo \$POD_NAME; sleep 100']
    env:
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    image: busybox
    name: second
  volumes:
  - {name: home, hostPath: {path: $TEST_DIR/testdir, type: Directory}}
  - {name: data, persistentVolumeClaim: {claimName: kubedata}}
---
kind: PersistentVolumeClaim
metadata: {name: kubedata}
YAML
)
	run -0 pea_cmd kube play "$f"
	assert_line --index 0 "Volumes:"
	assert_line --index 1 "kubedata"
	assert_line --index 2 "Pod:"
	assert_line --index 4 "Containers:"
	[[ ${lines[3]} =~ ^[0-9a-f]{64}$ ]]
	podid=${lines[3]}
	run -0 pea_cmd pod inspect --format '{{.ID}}' test_pod
	assert_output "$podid"
	run -0 pea_cmd inspect --format '{{.State.Status}} {{.Pod}}' test_pod-test test_pod-second
	assert_line --index 0 "running $podid"
	assert_line --index 1 "running $podid"
	run -0 pea_cmd exec test_pod-test sh -c 'id -u; id -g; pwd; cat f; echo $GREETING; test -d /data'
	assert_output $'1000\n3000\n/testdir\nhello\nhi there'
	run -0 pea_cmd logs test_pod-second
	assert_output test_pod
	run -0 pea_cmd volume ls -q
	assert_output kubedata

	# the same again is refused (the pod exists) and leaves the first one as it was
	run -125 pea_cmd kube play "$f"
	assert_equal "${#lines[@]}" 1
	run -0 pea_cmd inspect --format '{{.State.Status}}' test_pod-test
	assert_output running
	# --replace makes it anew
	run -0 pea_cmd kube play --replace --start=false "$f"
	refute_line "$podid"
	run -0 pea_cmd inspect --format '{{.State.Status}}' test_pod-test
	assert_output created

	run -0 pea_cmd kube down "$f"
	assert_line --index 0 "Pods stopped:"
	assert_line --index 2 "Pods removed:"
	assert_equal "${#lines[@]}" 4
	run -1 pea_cmd pod exists test_pod
	run -125 pea_cmd inspect test_pod-test
	run -0 pea_cmd ps -aq
	assert_output ""
	# the volume stays
	run -0 pea_cmd volume ls -q
	assert_output kubedata
	run -125 pea_cmd kube down "$f"
	assert_output --partial "Error: no pod with name or ID test_pod found"
}

@test "kube play: a ConfigMap as env and as a volume; a failure midway undoes what the play made" {
	fe_load_busybox
	f=$(yaml cm <<YAML
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        command: [sh, -c, 'echo \$K; cat /etc/cfg/k; echo; cat /etc/cfg/other; sleep 100']
        env: [{name: K, valueFrom: {configMapKeyRef: {name: cfg, key: k}}}]
        volumeMounts: [{name: v, mountPath: /etc/cfg, readOnly: true}]
      volumes: [{name: v, configMap: {name: cfg}}]
---
kind: ConfigMap
metadata: {name: cfg}
data:
  k: value-of-k
  other: |
    two
    lines
YAML
)
	run -0 pea_cmd kube play "$f"
	assert_line --index 0 "Pod:"
	assert_line --index 2 "Container:"
	fe_wait_state app-pod-0-c running
	for _ in $(seq 50); do
		run -0 pea_cmd logs app-pod-0-c
		[[ $output == *lines* ]] && break
		sleep 0.1
	done
	assert_output $'value-of-k\nvalue-of-k\ntwo\nlines'
	run -0 pea_cmd kube down "$f"
	run -0 pea_cmd volume rm cfg

	# the second container's image does not exist: the pod, the first container and the
	# volume this play made are gone again
	f=$(yaml fail <<YAML
kind: Pod
metadata: {name: half}
spec:
  containers:
  - {name: ok, image: busybox, command: [sleep, "100"], volumeMounts: [{name: d, mountPath: /d}]}
  - {name: bad, image: localhost/no-such-image:latest}
  volumes: [{name: d, persistentVolumeClaim: {claimName: halfvol}}]
---
kind: PersistentVolumeClaim
metadata: {name: halfvol}
YAML
)
	run -125 pea_cmd kube play "$f"
	assert_output --regexp "^Error: container 'half-bad': .*no-such-image"
	run -0 pea_cmd ps -aq
	assert_output ""
	run -1 pea_cmd pod exists half
	run -0 pea_cmd volume ls -q
	assert_output ""
}

@test "kube generate: a pod's containers, its published ports on the first one" {
	fe_load_busybox
	run -0 pea_cmd pod create --name gp --publish 9999:8888
	run -125 pea_cmd kube generate gp
	assert_output "Error: pod gp only has an infra container, nothing to generate"
	run -0 pea_cmd create --name gc1 --pod gp busybox top
	run -0 pea_cmd create --name gc2 --pod gp -e FOO=bar -w /tmp busybox bottom
	run -0 --separate-stderr pea_cmd kube generate gp
	# once a container, as podman
	podid=$(pea_out pod inspect --format '{{.ID}}' gp)
	warn="pea: warning: Truncation Annotation: \"$podid\" to \"${podid:0:63}\": Kubernetes only allows 63 characters"
	assert_equal "$stderr" "$warn"$'\n'"$warn"
	json=$(yaml2json <<<"$output")
	check() {
		assert_equal "$(jq -r -c "$1" <<<"$json")" "$2"
	}
	check .kind Pod
	check .metadata.name gp
	check .metadata.labels.app gp
	check '.metadata.annotations."io.kubernetes.cri-o.ContainerType/gc1"' container
	check '.metadata.annotations."io.kubernetes.cri-o.ContainerType/gc2"' container
	[[ $(jq -r '.metadata.annotations."io.kubernetes.cri-o.SandboxID/gc1"' <<<"$json") =~ ^[0-9a-f]{63}$ ]]
	check '.metadata.annotations."io.podman.annotations.autoremove/gc2"' FALSE
	check .spec.hostname gp
	check .spec.restartPolicy Never
	check '.spec.containers[0].name' gc1
	check '.spec.containers[0].command' '["top"]'
	check '.spec.containers[0].ports' '[{"containerPort":8888,"hostPort":9999}]'
	check '.spec.containers[0].resources' '{}'
	check '.spec.containers[1].name' gc2
	check '.spec.containers[1].command' '["bottom"]'
	check '.spec.containers[1].env' '[{"name":"FOO","value":"bar"}]'
	check '.spec.containers[1].workingDir' /tmp
	check '.spec.containers[1].ports' null
	check .status '{}'
	# and kube play takes it back
	run -0 pea_cmd kube generate -f "$TEST_DIR/gp.yaml" gp
	run -0 pea_cmd kube play --print-plan "$TEST_DIR/gp.yaml"
	assert_line --index 0 "pod create --name gp --hostname gp --exit-policy stop --label app=gp -p 9999:8888/tcp"
	assert_line --index 2 --partial "-e FOO=bar"
	run -0 pea_cmd pod rm -f gp
}

@test "kube play: a file from an http URL; --build makes the image of CONTEXT/NAME first" {
	fe_load_busybox
	mkdir -p "$TEST_DIR/www" "$TEST_DIR/ctx/userimage"
	cat >"$TEST_DIR/www/pod.yaml" <<YAML
kind: Pod
metadata: {name: up}
spec:
  containers:
  - {name: c, image: localhost/userimage, command: [id, -un]}
YAML
	printf 'FROM busybox\nUSER bin\n' >"$TEST_DIR/ctx/userimage/Containerfile"
	port=$(( 20000 + RANDOM % 20000 ))
	busybox httpd -f -p "127.0.0.1:$port" -h "$TEST_DIR/www" 3>&- &
	HTTPD_PID=$!
	for _ in $(seq 50); do
		timeout -k 5 5 curl -sf "http://127.0.0.1:$port/pod.yaml" >/dev/null && break
		sleep 0.1
	done
	run -0 pea_cmd kube play --print-plan "http://127.0.0.1:$port/pod.yaml"
	assert_line --index 1 --partial "create --pod up --name up-c"
	run -125 pea_cmd kube play "http://127.0.0.1:$port/nosuch.yaml"
	assert_output "Error: downloading 'http://127.0.0.1:$port/nosuch.yaml': HTTP status 404"
	kill "$HTTPD_PID"
	wait "$HTTPD_PID" || true

	# without --build the image is missing; with it, built from ctx/userimage
	run -125 pea_cmd kube play --start=false "$TEST_DIR/www/pod.yaml"
	run -0 pea_cmd ps -aq
	assert_output ""
	run -0 pea_cmd kube play --build --context-dir "$TEST_DIR/ctx" --start=false "$TEST_DIR/www/pod.yaml"
	run -0 pea_cmd inspect --format '{{.Config.User}}' up-c
	assert_output bin
	run -0 pea_cmd pod rm -f up
}

@test "kube down needs the pods' names only: a hostPath or --configmap file gone is no matter" {
	fe_load_busybox
	mkdir -p "$TEST_DIR/hp"
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {K: v}\n' >"$TEST_DIR/cm.yaml"
	f=$(yaml down <<YAML
apiVersion: v1
kind: Pod
metadata: {name: downpod}
spec:
  containers:
  - command: [sleep, "100"]
    image: localhost/busybox:latest
    name: c
    envFrom: [{configMapRef: {name: cm}}]
    volumeMounts: [{mountPath: /hp, name: hp}]
  volumes: [{name: hp, hostPath: {path: $TEST_DIR/hp, type: Directory}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: dep}
spec:
  template:
    spec:
      containers: [{command: [sleep, "100"], image: localhost/busybox:latest, name: d}]
YAML
)
	run -0 pea_cmd kube play --configmap "$TEST_DIR/cm.yaml" "$f"
	rm -r "$TEST_DIR/hp" "$TEST_DIR/cm.yaml"
	run -0 pea_cmd play kube --down --configmap "$TEST_DIR/cm.yaml" "$f"
	assert_line "Pods removed:"
	run -1 pea_cmd pod exists downpod
	run -1 pea_cmd pod exists dep-pod-0
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "kube play --tls-verify=false reaches a registry without TLS (the pulls of its containers)" {
	fe_load_busybox
	registry_start
	run -0 pea_cmd push -q --tls-verify=false busybox "$REGISTRY_ADDR/kube/bb:1"
	f=$(yaml tls <<YAML
apiVersion: v1
kind: Pod
metadata: {name: tlspod}
spec:
  containers: [{command: [sleep, "100"], image: $REGISTRY_ADDR/kube/bb:1, name: c}]
YAML
)
	run -125 pea_cmd kube play "$f"
	assert_output --partial "$REGISTRY_ADDR/kube/bb:1"
	run -1 pea_cmd pod exists tlspod
	run -0 pea_cmd kube play --tls-verify=false "$f"
	run -0 pea_cmd image exists "$REGISTRY_ADDR/kube/bb:1"
	run -0 pea_cmd kube down "$f"
}

@test "kube play: a failed play removes the DirectoryOrCreate and FileOrCreate paths it made" {
	fe_load_busybox
	mkdir -p "$TEST_DIR/had"
	f=$(yaml hp <<YAML
kind: Pod
metadata: {name: hp}
spec:
  containers:
  - {name: ok, image: busybox, command: [sleep, "100"],
     volumeMounts: [{name: d, mountPath: /d}, {name: e, mountPath: /e}, {name: f, mountPath: /f}]}
  - {name: bad, image: localhost/no-such-image:latest}
  volumes:
  - {name: d, hostPath: {path: $TEST_DIR/new/a/b, type: DirectoryOrCreate}}
  - {name: e, hostPath: {path: $TEST_DIR/had/sub, type: DirectoryOrCreate}}
  - {name: f, hostPath: {path: $TEST_DIR/had/file, type: FileOrCreate}}
YAML
)
	run -125 pea_cmd kube play "$f"
	assert_output --regexp "^Error: container 'hp-bad': .*no-such-image"
	run -1 pea_cmd pod exists hp
	[[ ! -e "$TEST_DIR/new" && ! -e "$TEST_DIR/had/sub" && ! -e "$TEST_DIR/had/file" ]]
	[[ -d "$TEST_DIR/had" ]]
	# what was there before stays
	mkdir -p "$TEST_DIR/new/a/b"
	touch "$TEST_DIR/had/file"
	run -125 pea_cmd kube play "$f"
	[[ -d "$TEST_DIR/new/a/b" && -f "$TEST_DIR/had/file" && ! -e "$TEST_DIR/had/sub" ]]
}

@test "kube generate: binds and named volumes as volumes, --memory as a limit, the first container's --restart" {
	fe_load_busybox
	mkdir -p "$TEST_DIR/data"
	touch "$TEST_DIR/file"
	run -0 pea_cmd volume create gvol
	run -0 pea_cmd pod create --name genv
	run -0 pea_cmd create --pod genv --name genv-a --restart on-failure --memory 512m \
		-v "$TEST_DIR/data:/data" -v "$TEST_DIR/file:/etc/f:ro" -v gvol:/vol busybox top
	run -0 pea_cmd create --pod genv --name genv-b -v "$TEST_DIR/data:/data2" busybox top
	json=$(pea_out kube generate genv | yaml2json)
	check() {
		assert_equal "$(jq -r -c "$1" <<<"$json")" "$2"
	}
	check .spec.restartPolicy OnFailure
	check '.spec.containers[0].resources' '{"limits":{"memory":"512Mi"}}'
	check '.spec.containers[1].resources' '{}'
	d=${TEST_DIR#/}
	check '.spec.containers[0].volumeMounts' \
		"[{\"mountPath\":\"/data\",\"name\":\"${d//\//-}-data-host\"},{\"mountPath\":\"/etc/f\",\"name\":\"${d//\//-}-file-host\",\"readOnly\":true},{\"mountPath\":\"/vol\",\"name\":\"gvol-pvc\"}]"
	check '.spec.containers[1].volumeMounts' "[{\"mountPath\":\"/data2\",\"name\":\"${d//\//-}-data-host\"}]"
	check '.spec.volumes' \
		"[{\"hostPath\":{\"path\":\"$TEST_DIR/data\",\"type\":\"Directory\"},\"name\":\"${d//\//-}-data-host\"},{\"hostPath\":{\"path\":\"$TEST_DIR/file\",\"type\":\"File\"},\"name\":\"${d//\//-}-file-host\"},{\"name\":\"gvol-pvc\",\"persistentVolumeClaim\":{\"claimName\":\"gvol\"}}]"
	# and play takes it back
	run -0 pea_cmd kube generate -f "$TEST_DIR/g.yaml" genv
	run -0 pea_cmd kube play --print-plan "$TEST_DIR/g.yaml"
	assert_line --partial "--restart on-failure"
	assert_line --partial "--memory 536870912"
	run -0 pea_cmd pod rm -f genv
	run -0 pea_cmd volume rm gvol
}
