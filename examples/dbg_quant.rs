fn main() {
    for text in std::env::args().skip(1) {
        println!("{text}");
        for q in speclint::facts::quantity::quantities(&text) {
            println!(
                "   {:?} {:?} {} [{}]",
                q.dimension,
                q.comparator,
                q.value,
                &text[q.start..q.end]
            );
        }
    }
}
