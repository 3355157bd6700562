using System.Text;

namespace DmaDiscipline.CodeFixes.Tests.Acceptance;

/// <summary>A unified diff (three lines of context) of two versions of a file, by longest common subsequence of lines.</summary>
public static class UnifiedDiff
{
    private const int Context = 3;

    public static string Of(string path, string before, string after)
    {
        var a = Lines(before);
        var b = Lines(after);
        var script = Script(a, b);
        var text = new StringBuilder();
        text.Append("--- a/").Append(path).Append('\n').Append("+++ b/").Append(path).Append('\n');
        var i = 0;
        while (i < script.Count)
        {
            if (script[i].Kind == ' ')
            {
                i++;
                continue;
            }

            // A hunk: from Context lines before this change to Context lines after the last change closer than 2*Context.
            var start = Math.Max(0, i - Context);
            var end = i;
            var lastChange = i;
            while (end < script.Count && (script[end].Kind != ' ' || end - lastChange <= 2 * Context))
            {
                if (script[end].Kind != ' ')
                {
                    lastChange = end;
                }

                end++;
            }

            end = Math.Min(script.Count, lastChange + Context + 1);
            var first = script[start];
            var oldCount = script.Skip(start).Take(end - start).Count(e => e.Kind != '+');
            var newCount = script.Skip(start).Take(end - start).Count(e => e.Kind != '-');
            text.Append($"@@ -{first.OldLine + 1},{oldCount} +{first.NewLine + 1},{newCount} @@\n");
            for (var k = start; k < end; k++)
            {
                text.Append(script[k].Kind).Append(script[k].Text).Append('\n');
            }

            i = end;
        }

        return text.ToString();
    }

    private static List<(char Kind, string Text, int OldLine, int NewLine)> Script(string[] a, string[] b)
    {
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var script = new List<(char, string, int, int)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                script.Add((' ', a[x], x, y));
                x++;
                y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                script.Add(('-', a[x], x, y));
                x++;
            }
            else
            {
                script.Add(('+', b[y], x, y));
                y++;
            }
        }

        return script;
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
}
