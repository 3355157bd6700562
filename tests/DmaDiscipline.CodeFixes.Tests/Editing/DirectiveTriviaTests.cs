using DmaDiscipline.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.CodeFixes.Tests.Editing;

/// <summary>
/// Code inserted before a statement that preprocessor directives lead goes after the directives, in the branch or region
/// they open — and once: two insertions before the same statement in one edit (Fix All) do not copy the directives.
/// </summary>
public sealed class DirectiveTriviaTests
{
    private const string Source = """
        #define FAST
        class C
        {
            void M()
            {
        #if FAST
                Anchor();
        #endif
            }

            void Anchor() { }
            void First() { }
            void Second() { }
        }
        """;

    private const string Expected = """
        #define FAST
        class C
        {
            void M()
            {
        #if FAST
                First();
                Second();
                Anchor();
        #endif
            }

            void Anchor() { }
            void First() { }
            void Second() { }
        }
        """;

    [Fact]
    public async Task Two_insertions_before_a_directive_led_statement_go_inside_the_branch_and_keep_one_directive()
    {
        var text = await InsertTwiceAsync((editor, anchor) =>
        {
            Statements.InsertBefore(editor, anchor, new[] { Statements.Parse("First();") });
            Statements.InsertBefore(editor, anchor, new[] { Statements.Parse("Second();") });
        });

        Assert.Equal(Expected.ReplaceLineEndings("\n"), text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task An_insertion_around_after_one_before_the_same_statement_keeps_one_directive()
    {
        var text = await InsertTwiceAsync((editor, anchor) =>
        {
            Statements.InsertBefore(editor, anchor, new[] { Statements.Parse("First();") });
            Statements.InsertAround(editor, anchor, new[] { Statements.Parse("Second();") }, Array.Empty<StatementSyntax>());
        });

        Assert.Equal(Expected.ReplaceLineEndings("\n"), text.ReplaceLineEndings("\n"));
    }

    private static async Task<string> InsertTwiceAsync(Action<DocumentEditor, StatementSyntax> insert)
    {
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject("P", LanguageNames.CSharp);
        var document = workspace.AddDocument(project.Id, "C.cs", SourceText.From(Source));
        var editor = await DocumentEditor.CreateAsync(document);
        var anchor = (await document.GetSyntaxRootAsync())!.DescendantNodes().OfType<ExpressionStatementSyntax>()
            .Single(s => s.ToString() == "Anchor();");
        insert(editor, anchor);
        var changed = await Formatter.FormatAsync(editor.GetChangedDocument(), Formatter.Annotation);
        return (await changed.GetTextAsync()).ToString();
    }
}
