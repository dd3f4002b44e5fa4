# Sourced: installs the workspace's packages from the lockfile when node_modules is missing or stale.
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  echo "fangyi: installing packages (pnpm install --frozen-lockfile)" >&2
  pnpm install --frozen-lockfile --reporter=silent >&2
fi
