//! Every code block of the README marked `<!-- file: PATH -->` is that file, word
//! for word, so the quick starts shown are the ones CI runs.

use std::path::Path;

#[test]
fn readme_snippets_are_the_example_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut lines = readme.lines();
    let mut checked = 0;
    while let Some(line) = lines.next() {
        let Some(path) = line
            .strip_prefix("<!-- file: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        assert!(
            lines.next().is_some_and(|fence| fence.starts_with("```")),
            "{path}: no code block"
        );
        let block: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        let file =
            std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            block.join("\n") + "\n",
            file,
            "README block for {path} differs from the file"
        );
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} README snippets checked");
}
