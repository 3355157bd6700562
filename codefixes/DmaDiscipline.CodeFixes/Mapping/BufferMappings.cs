using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.CodeFixes.Mapping
{
    /// <summary>
    /// The streaming mappings a member already made of a buffer before a site (<c>a = dma.MapSingle(buf, …)</c>),
    /// in source order: what a fix of a raw physical address (DMA001) or of a bus address forged from one (DMA008)
    /// hands the device instead, so that the buffer is never mapped a second time. The buffer is matched by its
    /// text and its symbol (<c>buf</c> of another scope is another buffer).
    /// </summary>
    internal static class BufferMappings
    {
        public static IReadOnlyList<MapCall> Before(SemanticModel model, SyntaxNode member, ExpressionSyntax buffer, int position, CancellationToken cancellationToken)
        {
            var bufferSymbol = model.GetSymbolInfo(buffer, cancellationToken).Symbol;
            var bufferText = buffer.WithoutTrivia().ToString();
            var maps = new List<MapCall>();
            var site = member.FindToken(position).Parent ?? member;
            foreach (var call in member.DescendantNodes().OfType<InvocationExpressionSyntax>().Where(c => c.Span.End <= position))
            {
                if (Exclusive(call, site))
                {
                    continue; // the other arm of an if, a switch or a ?: — never run on the way to the site
                }

                if (MapCall.From(model, call, cancellationToken) is { IsStreaming: true, Buffer: { } mapped } map
                    && mapped.WithoutTrivia().ToString() == bufferText
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(mapped, cancellationToken).Symbol, bufferSymbol))
                {
                    maps.Add(map);
                }
            }

            return maps;
        }

        /// <summary>
        /// Do <paramref name="earlier"/> and <paramref name="site"/> sit in two arms of one branch (<c>if</c>/<c>else</c>, two
        /// sections of a <c>switch</c>, the two results of <c>?:</c>, two arms of a switch expression), so that no run reaches both?
        /// </summary>
        private static bool Exclusive(SyntaxNode earlier, SyntaxNode site)
        {
            var common = earlier.Ancestors().FirstOrDefault(a => a.Span.Contains(site.Span));
            switch (common)
            {
                case IfStatementSyntax branch when branch.Else is { } otherwise:
                    return branch.Statement.Span.Contains(earlier.Span) != branch.Statement.Span.Contains(site.Span)
                        && (otherwise.Span.Contains(earlier.Span) || otherwise.Span.Contains(site.Span));
                case SwitchStatementSyntax choice:
                    return choice.Sections.FirstOrDefault(s => s.Span.Contains(earlier.Span)) is { } one
                        && choice.Sections.FirstOrDefault(s => s.Span.Contains(site.Span)) is { } other && one != other;
                case ConditionalExpressionSyntax conditional:
                    return conditional.WhenTrue.Span.Contains(earlier.Span) && conditional.WhenFalse.Span.Contains(site.Span);
                case SwitchExpressionSyntax arms:
                    return arms.Arms.FirstOrDefault(a => a.Span.Contains(earlier.Span)) is { } first
                        && arms.Arms.FirstOrDefault(a => a.Span.Contains(site.Span)) is { } second && first != second;
                default:
                    return false;
            }
        }

        /// <summary>The offset a mapping starts at in its buffer, as written (<c>0</c> when not given).</summary>
        public static string OffsetOf(MapCall map) => map.Argument("offset")?.WithoutTrivia().ToString() ?? "0";

        /// <summary>Two offsets written the same way, up to spaces and <c>(ulong)</c> casts.</summary>
        public static bool SameOffset(string left, string right) =>
            Normal(left) == Normal(right);

        private static string Normal(string offset) => offset.Replace("(ulong)", string.Empty).Replace(" ", string.Empty);
    }
}
