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
            foreach (var call in member.DescendantNodes().OfType<InvocationExpressionSyntax>().Where(c => c.Span.End <= position))
            {
                if (MapCall.From(model, call, cancellationToken) is { IsStreaming: true, Buffer: { } mapped } map
                    && mapped.WithoutTrivia().ToString() == bufferText
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(mapped, cancellationToken).Symbol, bufferSymbol))
                {
                    maps.Add(map);
                }
            }

            return maps;
        }

        /// <summary>The offset a mapping starts at in its buffer, as written (<c>0</c> when not given).</summary>
        public static string OffsetOf(MapCall map) => map.Argument("offset")?.WithoutTrivia().ToString() ?? "0";

        /// <summary>Two offsets written the same way, up to spaces and <c>(ulong)</c> casts.</summary>
        public static bool SameOffset(string left, string right) =>
            Normal(left) == Normal(right);

        private static string Normal(string offset) => offset.Replace("(ulong)", string.Empty).Replace(" ", string.Empty);
    }
}
