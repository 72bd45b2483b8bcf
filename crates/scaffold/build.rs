//! The starter files are embedded with `include_dir!`, which tells cargo about the files it
//! found but not about files added later: watch the folders, so a new theme file (a strings
//! file, a template) is embedded without a clean build.
fn main() {
    println!("cargo:rerun-if-changed=../../themes/default");
    println!("cargo:rerun-if-changed=../../content");
    println!("cargo:rerun-if-changed=../../site.toml");
}
