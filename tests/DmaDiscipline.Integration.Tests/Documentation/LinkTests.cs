using System.Text;
using System.Text.RegularExpressions;
using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests.Documentation;

/// <summary>
/// Every link of every Markdown page of the repository leads somewhere: a relative link to a file or
/// folder inside it that exists (and a heading that exists, for '#anchor'), an absolute link of a README
/// only to a file of this repository at <see cref="RepositoryUrl"/> — so the READMEs stand alone. Other
/// pages may also cite public material over https (checked for form only: the tests run offline).
/// </summary>
public sealed partial class LinkTests
{
    private static readonly HashSet<string> NotPages = new(StringComparer.OrdinalIgnoreCase)
    {
        ".git", "bin", "obj", "TestResults", "artifacts", "BenchmarkDotNet.Artifacts", ".vs", ".idea", "node_modules",
    };

    public static TheoryData<string> Pages()
    {
        var data = new TheoryData<string>();
        foreach (var page in MarkdownPages(RepositoryRoot.Find()))
        {
            data.Add(page);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_link_of_the_page_resolves_inside_the_repository(string page)
    {
        var root = RepositoryRoot.Find();
        var broken = new List<string>();
        foreach (var (line, target) in Links(File.ReadAllText(Path.Combine(root, page))))
        {
            if (Problem(root, page, target) is { } problem)
            {
                broken.Add($"{page}:{line}: ({target}) {problem}");
            }
        }

        Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken));
    }

    [Fact]
    public void The_pages_are_found_and_the_readme_is_among_them()
    {
        var pages = MarkdownPages(RepositoryRoot.Find()).ToList();
        Assert.Contains("README.md", pages);
        Assert.Contains("docs/rules/DMA001.md", pages);
    }

    [Theory]
    [InlineData("[a](docs/architecture.md)", "docs/architecture.md")]
    [InlineData("see [a](docs/architecture.md#fidelity-notes) and ![b](x.svg)", "docs/architecture.md#fidelity-notes|x.svg")]
    [InlineData("`[not](a link)` and\n```\n[nor](this)\n```\n[yes](y.md)", "y.md")]
    [InlineData("[ref]: https://example.org/x \"title\"", "https://example.org/x")]
    [InlineData("[a](<with space.md>)", "with space.md")]
    public void Links_are_read_as_markdown_reads_them(string markdown, string expected)
    {
        Assert.Equal(expected, string.Join("|", Links(markdown).Select(l => l.Target)));
    }

    [Theory]
    [InlineData("../shared/DESIGN.md", "leaves the repository")]
    [InlineData("https://example.org/page", "outside the repository")]
    [InlineData("http://example.org/page", "outside the repository")]
    [InlineData("docs/no-such-page.md", "no such file")]
    [InlineData("docs/architecture.md#no-such-heading", "no heading")]
    public void A_broken_link_is_reported(string target, string problem)
    {
        Assert.Contains(problem, Problem(RepositoryRoot.Find(), "README.md", target), StringComparison.Ordinal);
    }

    [Fact]
    public void A_page_of_docs_may_cite_public_material_over_https_but_not_over_http()
    {
        Assert.Null(Problem(RepositoryRoot.Find(), "docs/architecture.md", "https://example.org/spec"));
        Assert.NotNull(Problem(RepositoryRoot.Find(), "docs/architecture.md", "http://example.org/spec"));
    }

    [Fact]
    public void A_link_to_a_file_of_this_repository_by_its_url_resolves()
    {
        Assert.Null(Problem(RepositoryRoot.Find(), "README.md", RepositoryUrl.Of("docs/rules/DMA001.md")));
        Assert.Null(Problem(RepositoryRoot.Find(), "docs/rules/DMA001.md", "#why"));
    }

    /// <summary>Why a link does not resolve, or null when it does.</summary>
    private static string? Problem(string root, string page, string target)
    {
        if (target.StartsWith('#'))
        {
            return HeadingProblem(Path.Combine(root, page), target[1..]);
        }

        string relative;
        if (Uri.TryCreate(target, UriKind.Absolute, out _) && !target.StartsWith('/'))
        {
            var own = RepositoryUrl.Url + "/";
            var prefixes = new[] { $"{own}blob/{RepositoryUrl.Branch}/", $"{own}tree/{RepositoryUrl.Branch}/" };
            var prefix = prefixes.FirstOrDefault(p => target.StartsWith(p, StringComparison.Ordinal));
            if (prefix is null)
            {
                // A README stands alone; a page of docs may cite public material (a measured codebase, a spec) over https.
                return Path.GetFileName(page).Equals("README.md", StringComparison.OrdinalIgnoreCase) || !target.StartsWith("https://", StringComparison.Ordinal)
                    ? $"is outside the repository (a README links only {own}blob/{RepositoryUrl.Branch}/…; write other references as text)"
                    : null;
            }

            relative = Uri.UnescapeDataString(target[prefix.Length..]);
            page = "README.md"; // resolved from the root
        }
        else
        {
            relative = Uri.UnescapeDataString(target);
        }

        var hash = relative.IndexOf('#');
        var anchor = hash >= 0 ? relative[(hash + 1)..] : null;
        var path = hash >= 0 ? relative[..hash] : relative;
        var baseDirectory = Path.GetDirectoryName(Path.Combine(root, page))!;
        var full = Path.GetFullPath(Path.Combine(baseDirectory, path));
        if (!full.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal) && full != Path.GetFullPath(root))
        {
            return "leaves the repository";
        }

        if (!File.Exists(full) && !Directory.Exists(full))
        {
            return "points to no such file or folder";
        }

        return anchor is null ? null : HeadingProblem(full, anchor);
    }

    private static string? HeadingProblem(string file, string anchor)
    {
        if (!file.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var slugs = Headings(File.ReadAllText(file)).ToHashSet(StringComparer.Ordinal);
        return slugs.Contains(anchor) ? null : $"has no heading '#{anchor}' in {Path.GetFileName(file)}";
    }

    /// <summary>GitHub's anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered.</summary>
    private static IEnumerable<string> Headings(string markdown)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, text) in OutsideCode(markdown))
        {
            var match = HeadingLine().Match(text);
            if (!match.Success)
            {
                continue;
            }

            var slug = new StringBuilder();
            foreach (var c in match.Groups[1].Value.Trim().ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c == '-' || c == '_')
                {
                    slug.Append(c);
                }
                else if (c == ' ')
                {
                    slug.Append('-');
                }
            }

            var s = slug.ToString();
            var count = seen.GetValueOrDefault(s);
            seen[s] = count + 1;
            yield return count == 0 ? s : $"{s}-{count}";
        }
    }

    /// <summary>Inline links and images, angle-bracketed targets and reference definitions, outside code.</summary>
    private static IEnumerable<(int Line, string Target)> Links(string markdown)
    {
        foreach (var (line, text) in OutsideCode(markdown))
        {
            var reference = ReferenceDefinition().Match(text);
            if (reference.Success)
            {
                yield return (line, reference.Groups[1].Value);
                continue;
            }

            var withoutSpans = CodeSpan().Replace(text, string.Empty);
            foreach (Match link in InlineLink().Matches(withoutSpans))
            {
                var target = link.Groups[1].Value.Trim();
                if (target.StartsWith('<') && target.EndsWith('>'))
                {
                    target = target[1..^1];
                }
                else
                {
                    var space = target.IndexOf(' ');
                    target = space >= 0 ? target[..space] : target; // [a](url "title")
                }

                yield return (line, target);
            }
        }
    }

    /// <summary>The page's lines outside fenced code blocks, numbered from 1.</summary>
    private static IEnumerable<(int Line, string Text)> OutsideCode(string markdown)
    {
        var fence = (string?)null;
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (fence is null && (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal)))
            {
                fence = trimmed[..3];
                continue;
            }

            if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal))
                {
                    fence = null;
                }

                continue;
            }

            yield return (i + 1, lines[i]);
        }
    }

    private static IEnumerable<string> MarkdownPages(string root)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var sub in Directory.EnumerateDirectories(directory))
            {
                // Hidden folders are not the repository's pages: .git, IDE state, and the third-party
                // sources the fetch scripts put in .sources (never committed, not ours to check).
                var name = Path.GetFileName(sub);
                if (!NotPages.Contains(name) && !name.StartsWith('.'))
                {
                    pending.Push(sub);
                }
            }

            foreach (var file in Directory.EnumerateFiles(directory, "*.md"))
            {
                yield return Path.GetRelativePath(root, file).Replace('\\', '/');
            }
        }
    }

    [GeneratedRegex(@"!?\[(?:[^\]\\]|\\.)*\]\(((?:<[^>]*>)|(?:[^()\s]+(?:\s+""[^""]*"")?))\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^\s{0,3}\[[^\]]+\]:\s*(\S+)")]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"`+[^`]*`+")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^#{1,6}\s+(.*?)\s*#*\s*$")]
    private static partial Regex HeadingLine();
}
