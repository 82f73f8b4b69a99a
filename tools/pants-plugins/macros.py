# BUILD-file macros shared by every library, so each packages/<name>/BUILD stays a few
# lines and every library has exactly the same targets. Loaded through
# [GLOBAL].build_file_prelude_globs in pants.toml.

NAMESPACE = "brickyard"
PROJECT_URL = "https://github.com/brickyard-data/brickyard"


def brickyard_library(name, description, version, dependencies=(), **distribution_kwargs):
    """The standard targets of one library in packages/<name>/.

    - sources and their `py.typed` marker (the library ships type information);
    - tests and test utilities, mirroring src/;
    - a wheel + sdist whose metadata comes from here and from the library README.
    """
    package_dir = f"src/{NAMESPACE}/{name}"
    resources(name="py_typed", sources=[f"{package_dir}/py.typed"])
    python_sources(
        name="src",
        sources=[f"{package_dir}/**/*.py"],
        dependencies=[":py_typed", *dependencies],
    )
    python_test_utils(name="test_utils", sources=["tests/**/conftest.py"])
    python_tests(name="tests", sources=["tests/**/test_*.py"])
    python_distribution(
        name="dist",
        dependencies=[":src", ":py_typed"],
        long_description_path=f"packages/{name}/README.md",
        provides=python_artifact(
            name=f"{NAMESPACE}-{name}",
            version=version,
            description=description,
            long_description_content_type="text/markdown",
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
                "Source": f"{PROJECT_URL}/tree/main/packages/{name}",
                "Changelog": f"{PROJECT_URL}/blob/main/packages/{name}/CHANGELOG.md",
            },
        ),
        wheel=True,
        sdist=True,
        **distribution_kwargs,
    )


def brickyard_layering(layers):
    """Visibility rules: packages/<layer> may use only itself and lower layers.

    Written once, as data; a violation names the rule and this BUILD file.
    """
    shared = ["//lockfiles/**", "//shared-config/**"]
    rule_sets = []
    for index, layer in enumerate(layers):
        allowed = [f"//packages/{lower}/**" for lower in layers[: index + 1]]
        rule_sets.append(({"path": f"//packages/{layer}/**"}, *allowed, *shared, "!*"))
    __dependencies_rules__(*rule_sets, ("*", "*"))
