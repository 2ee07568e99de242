use strata::syntax::ast::*;
fn main() {
    println!("Span {}", std::mem::size_of::<strata::source::Span>());
    println!("Ident {}", std::mem::size_of::<Ident>());
    println!("QualifiedName {}", std::mem::size_of::<QualifiedName>());
    println!("StatementKind {}", std::mem::size_of::<StatementKind>());
    println!("Statement {}", std::mem::size_of::<Statement>());
    println!("Revision {}", std::mem::size_of::<Revision>());
    println!("ColumnDef {}", std::mem::size_of::<ColumnDef>());
    println!("DataType {}", std::mem::size_of::<DataType>());
    println!(
        "ColumnConstraint {}",
        std::mem::size_of::<ColumnConstraint>()
    );
    println!(
        "SourceFile {}",
        std::mem::size_of::<strata::source::SourceFile>()
    );
    println!(
        "Diagnostic {}",
        std::mem::size_of::<strata::diagnostic::Diagnostic>()
    );
}
