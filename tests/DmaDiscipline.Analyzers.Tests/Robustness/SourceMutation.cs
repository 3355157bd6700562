using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

// Shared by the analyzer and code-fix robustness tests (linked into DmaDiscipline.CodeFixes.Tests).
namespace DmaDiscipline.Robustness;

/// <summary>One way of breaking a file: which file, what is done, where, and with what.</summary>
public sealed record Mutation(int File, MutationKind Kind, int Where, int Other)
{
    public override string ToString() => $"{Kind} at {Where} (other {Other}) in file {File}";
}

public enum MutationKind
{
    DeleteToken,
    DoubleToken,
    ReplaceToken,
    DeleteLine,
    MoveLine,
    Truncate,
}

/// <summary>
/// Source broken as code being typed is broken: a token deleted, doubled or replaced by another of the file's tokens, a
/// line dropped or moved, the file cut short.
/// </summary>
public static class SourceMutation
{
    /// <summary>The text broken as <paramref name="mutation"/> says; positions wrap around the file's tokens, lines or length.</summary>
    public static string Apply(string text, Mutation mutation)
    {
        var tokens = CSharpSyntaxTree.ParseText(text).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToList();
        var lines = text.Split('\n');
        switch (mutation.Kind)
        {
            case MutationKind.DeleteToken:
                {
                    var token = tokens[mutation.Where % tokens.Count];
                    return text.Remove(token.SpanStart, token.Span.Length);
                }

            case MutationKind.DoubleToken:
                {
                    var token = tokens[mutation.Where % tokens.Count];
                    return text.Insert(token.Span.End, " " + token.Text);
                }

            case MutationKind.ReplaceToken:
                {
                    var token = tokens[mutation.Where % tokens.Count];
                    var other = tokens[mutation.Other % tokens.Count];
                    var replacement = other.Text == token.Text ? ";" : other.Text;
                    return text.Remove(token.SpanStart, token.Span.Length).Insert(token.SpanStart, replacement);
                }

            case MutationKind.DeleteLine:
                {
                    var line = NonBlankLine(lines, mutation.Where);
                    return string.Join('\n', lines.Where((_, i) => i != line));
                }

            case MutationKind.MoveLine:
                {
                    var line = NonBlankLine(lines, mutation.Where);
                    var to = mutation.Other % lines.Length;
                    if (to == line || lines[to] == lines[line])
                    {
                        to = (line + lines.Length / 2) % lines.Length;
                    }

                    var moved = lines.Where((_, i) => i != line).ToList();
                    moved.Insert(Math.Min(to, moved.Count), lines[line]);
                    return string.Join('\n', moved);
                }

            case MutationKind.Truncate:
                return text.Substring(0, mutation.Where % text.Length);

            default:
                throw new ArgumentOutOfRangeException(nameof(mutation), mutation.Kind, "not a mutation kind");
        }
    }

    private static int NonBlankLine(string[] lines, int where)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            var line = (where + i) % lines.Length;
            if (!string.IsNullOrWhiteSpace(lines[line]))
            {
                return line;
            }
        }

        return where % lines.Length;
    }
}
