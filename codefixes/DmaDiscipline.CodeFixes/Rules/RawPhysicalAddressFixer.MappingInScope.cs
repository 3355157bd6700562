using System.Linq;
using System.Threading;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Mapping;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace DmaDiscipline.CodeFixes.Rules
{
    public sealed partial class RawPhysicalAddressFixer
    {
        /// <summary>
        /// The method already mapped the buffer (<c>a = dma.MapSingle(buf, …)</c> earlier in the same member):
        /// the device gets that mapping's address — <c>a.Value</c>, plus the offset when the mapping starts at
        /// the buffer's start — and nothing is mapped a second time, so the method's own check, unmap and
        /// failure path stay the only ones. Inside <c>new DmaAddr(…)</c> the creation becomes the handle.
        /// When the offsets cannot be matched or the handle is not usable at the sink, there is no fix:
        /// a second mapping of the same buffer is never offered.
        /// </summary>
        private sealed class MappingInScope
        {
            private MappingInScope(PlannedFix? plan) => Plan = plan;

            public PlannedFix? Plan { get; }

            public static MappingInScope? Find(SemanticModel model, ExpressionSyntax sink, ExpressionSyntax source, ExpressionSyntax buffer, ExpressionSyntax? physicalOffset, CancellationToken cancellationToken)
            {
                var member = sink.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax || a is LocalFunctionStatementSyntax);
                if (member is null)
                {
                    return null;
                }

                var map = BufferMappings.Before(model, member, buffer, sink.SpanStart, cancellationToken).LastOrDefault();
                if (map is null)
                {
                    return null;
                }

                if (map.Handle is null || !map.HandleUsableAt(model, member, sink.SpanStart, cancellationToken) || !(source.Parent is MemberAccessExpressionSyntax value))
                {
                    return new MappingInScope(null);
                }

                var handle = map.Handle.WithoutTrivia().ToString();
                var mapOffset = BufferMappings.OffsetOf(map);
                var (replaced, sinkOffset) = physicalOffset is not null
                    ? ((ExpressionSyntax)value, physicalOffset.WithoutTrivia().ToString())
                    : value.WalkUpParentheses().Parent is BinaryExpressionSyntax add && add.IsKind(SyntaxKind.AddExpression) && add.Left.WalkDownParentheses() == value
                        ? (add, StreamingMap.StripCast(add.Right).WithoutTrivia().ToString())
                        : ((ExpressionSyntax)value, "0");

                var creation = replaced.WalkUpParentheses().Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Arguments.Count: 1, Parent: BaseObjectCreationExpressionSyntax made } }
                    && RuntimeSymbols.Is(model.GetTypeInfo(made, cancellationToken).Type, RuntimeSymbols.From(model.Compilation).DmaAddr) ? made : null;
                ExpressionSyntax target;
                string replacement;
                if (BufferMappings.SameOffset(sinkOffset, mapOffset))
                {
                    (target, replacement) = creation is not null ? ((ExpressionSyntax)creation, handle) : (replaced, handle + ".Value");
                }
                else if (mapOffset == "0" && creation is null)
                {
                    // The mapping starts where the buffer does: the descriptor's offset applies to the bus address as it did to the physical one.
                    (target, replacement) = physicalOffset is null
                        ? ((ExpressionSyntax)value, handle + ".Value")
                        : (value, $"({handle}.Value + (ulong){Parenthesized(physicalOffset)})");
                }
                else
                {
                    return new MappingInScope(null);
                }

                var unmapped = member.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(i =>
                    FrameworkRoles.IsCallOn(model, i, Analyzers.Symbols.DmaRole.Unmap, handle, cancellationToken));
                var direction = map.Direction?.WithoutTrivia().ToString() ?? "its direction";
                direction = direction.Substring(direction.LastIndexOf('.') + 1);
                var newNode = SyntaxFactory.ParseExpression(replacement).WithTriviaFrom(target).WithAdditionalAnnotations(Formatter.Annotation);
                return new MappingInScope(new PlannedFix(
                    $"Use the mapping '{handle}' the method already holds ({direction}; {(unmapped ? "unmapped where the method unmaps it" : "unmap not arranged in this method")})",
                    ReuseKey,
                    "map@" + sink.SpanStart,
                    editor => editor.ReplaceNode(target, newNode)));
            }

        }
    }
}
