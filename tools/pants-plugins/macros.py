# BUILD-file macros shared by every library, so each packages/<name>/BUILD stays a few
# lines and every library has exactly the same targets. Loaded through
# [GLOBAL].build_file_prelude_globs in pants.toml.

_NAMESPACE = "brickyard"
_PROJECT_URL = "https://github.com/brickyard-data/brickyard"
# The private index every library is published to: a section of the twine config file
# ([twine].config in pants.toml), which holds the URL and never credentials.
_REPOSITORIES = ("@brickyard-internal",)


def brickyard_library(
    name, description, version, dependencies=(), command=None, **distribution_kwargs
):
    """The standard targets of one library, called from packages/<name>/src/brickyard/<name>/BUILD.

    (Pants assigns source roots by BUILD-file directory, so the code's BUILD sits beside the
    code and the tests' BUILD beside the tests; each holds one macro call.)

    - sources and their package data: every non-Python file beside them, including the
      `py.typed` marker (the library ships type information), templates and samples;
    - a wheel + sdist whose metadata comes from here and from the library README, published
      to the private index by `./pants publish` (`./pants run tools/dev -- release publish`
      checks all, then publishes in dependency order). `version` here is the library's
      single source of truth (`release --apply` bumps it);
    - with `command` (the entry point of its command line, e.g. "brickyard.ingest.cli:main"):
      that command as a single-file executable, `dist/<name>/<name>.pex` (target `:pex`),
      built like the jobs' (venv mode, no tools, reproducible), and as the wheel's console
      script `brickyard-<name>`.
    """
    resources(
        name="package_data",
        sources=["**/*", "!**/*.py", "!BUILD", "!**/__pycache__/**"],
    )
    python_sources(
        name="src",
        sources=["**/*.py"],
        dependencies=[":package_data", *dependencies],
    )
    python_distribution(
        name="dist",
        # Job configuration is deployment data, not library code: it ships inside the job
        # executables (brickyard_job), while an installed wheel is pointed at a config
        # directory with --config-dir or $BRICKYARD_CONFIG_DIR.
        dependencies=[":src", ":package_data", "!!//shared-config:config"],
        long_description_path=f"packages/{name}/README.md",
        provides=python_artifact(
            name=f"{_NAMESPACE}-{name}",
            version=version,
            description=description,
            long_description_content_type="text/markdown",
            author="Brickyard data team",
            license="Apache-2.0",
            python_requires=">=3.11,<3.12",
            classifiers=[
                "Development Status :: 4 - Beta",
                "Intended Audience :: Developers",
                "Intended Audience :: Science/Research",
                "License :: OSI Approved :: Apache Software License",
                "Programming Language :: Python :: 3.11",
                "Topic :: Scientific/Engineering :: Information Analysis",
                "Typing :: Typed",
            ],
            project_urls={
                "Homepage": _PROJECT_URL,
                "Source": f"{_PROJECT_URL}/tree/main/packages/{name}",
                "Changelog": f"{_PROJECT_URL}/blob/main/packages/{name}/CHANGELOG.md",
            },
        ),
        wheel=True,
        sdist=True,
        **{
            "repositories": list(_REPOSITORIES),
            **(
                {"entry_points": {"console_scripts": {f"{_NAMESPACE}-{name}": command}}}
                if command
                else {}
            ),
            **distribution_kwargs,
        },
    )
    if command:
        pex_binary(
            name="pex",
            entry_point=command,
            dependencies=[":src"],
            execution_mode="venv",
            include_tools=False,
            output_path=f"{name}/{name}.pex",
        )


def brickyard_tests(conftest=True, **kwargs):
    """The tests of one library, called from packages/<name>/tests/brickyard/<name>/BUILD:
    one `test_<module>.py` per module of src/, plus shared fixtures in conftest.py (pass
    `conftest=False` where the library needs none). The tests mirror the src/ namespace so
    that module names never collide across libraries.

    A library's test files run in one pytest process (batch_compatibility_tag): each file
    in a process of its own paid the interpreter start and the imports of NumPy, DuckDB,
    scikit-learn... once per file. The tag names the library: files of different libraries
    share module names (test_outputs.py), so they never share a process. A test must
    therefore leave no global state behind (environment, logging, working directory);
    pytest's fixtures (monkeypatch, caplog, tmp_path) restore it.
    """
    if conftest:
        python_test_utils(name="test_utils", sources=["conftest.py"])
    python_tests(name="tests", batch_compatibility_tag=str(build_file_dir()), **kwargs)


def brickyard_layering(layers):
    """Visibility rules: packages/<layer> may use only itself and lower layers.

    Written once, as data; a violation names the rule and this BUILD file.
    """
    shared = ["//lockfiles/**", "//shared-config/**"]
    rule_sets = []
    for index, layer in enumerate(layers):
        allowed = [f"//packages/{lower}/**" for lower in layers[: index + 1]]
        # Each higher layer is denied by name, so the error reads e.g.
        # `BUILD[!//packages/jobs/**]`: the layer that was reached for.
        denied = [f"!//packages/{higher}/**" for higher in layers[index + 1 :]]
        rule_sets.append(({"path": f"//packages/{layer}/**"}, *allowed, *shared, *denied, "!*"))
    __dependencies_rules__(*rule_sets, ("*", "*"))


def spark_requirements():
    """What a target that runs the optional Spark engine needs besides the libraries.

    pyspark is never inferred (the Spark module marks its imports `no-infer-dep`), so the
    default executables and wheels stay free of it; Spark tests and executables add this.
    """
    return ["//lockfiles:python-default#pyspark"]


def brickyard_job(name, entry_point, spark=False, **kwargs):
    """A scheduled job as a single-file executable, called from packages/jobs/BUILD.

    venv mode: the PEX unpacks once into a real venv, so start-up stays fast and
    package data are plain files; reproducible by construction (same inputs, same sha256).
    `spark=True` bundles pyspark, for runs with `--engine spark`.
    """
    pex_binary(
        name=name,
        entry_point=entry_point,
        dependencies=[
            "//packages/jobs/src/brickyard/jobs:src",
            "//shared-config:config",
            *(spark_requirements() if spark else []),
        ],
        execution_mode="venv",
        include_tools=False,
        output_path=f"jobs/{name}.pex",
        **kwargs,
    )
