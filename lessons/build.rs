//! The lessons are embedded with `include_dir!`, which cargo does not know to track: this
//! makes any change under `content/` rebuild the crate, so an edited lesson is never stale.

fn main() {
    println!("cargo:rerun-if-changed=content");
}
