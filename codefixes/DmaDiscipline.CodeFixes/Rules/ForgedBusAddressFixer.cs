using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using DmaDiscipline.Analyzers;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Mapping;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace DmaDiscipline.CodeFixes.Rules
{
    /// <summary>
    /// DMA008: a <c>DmaAddr</c> built from a buffer's physical address is replaced by the mapping of
    /// that same buffer (same offset) that is in scope — the address the DMA API returned for it.
    /// A bus address forged from a constant, or from a buffer with no mapping in scope, gets no fix:
    /// there is nothing it should have come from.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ForgedBusAddressFixer)), Shared]
    public sealed class ForgedBusAddressFixer : DmaFixer
    {
        public const string EquivalenceKey = RuleIdentifiers.ForgedBusAddress + ".UseMapping";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.ForgedBusAddress);

        internal override PlannedFix? Plan(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var location = diagnostic.AdditionalLocations.FirstOrDefault() ?? diagnostic.Location;
            if (location.SourceTree != root.SyntaxTree
                || !(root.FindNode(location.SourceSpan, getInnermostNodeForTie: true) is BaseObjectCreationExpressionSyntax creation)
                || creation.ArgumentList?.Arguments.Count != 1)
            {
                return null;
            }

            var symbols = RuntimeSymbols.From(model.Compilation);
            var argument = creation.ArgumentList.Arguments[0].Expression;
            ExpressionSyntax? extra = null;
            if (argument is BinaryExpressionSyntax add && add.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.AddExpression))
            {
                argument = add.Left;
                extra = add.Right;
            }

            if (!(argument is MemberAccessExpressionSyntax value) || value.Name.Identifier.ValueText != "Value"
                || !RawPhysicalAddressFixer.PhysicalOf(model, value.Expression, symbols, cancellationToken, out var buffer, out var offset)
                || (offset is not null && extra is not null))
            {
                return null;
            }

            var wantedOffset = (offset ?? extra)?.WithoutTrivia().ToString().Replace("(ulong)", string.Empty) ?? "0";
            var member = creation.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax || a is LocalFunctionStatementSyntax);
            if (member is null)
            {
                return null;
            }

            foreach (var call in member.DescendantNodes().OfType<InvocationExpressionSyntax>().Where(c => c.Span.End <= creation.SpanStart))
            {
                var map = MapCall.From(model, call, cancellationToken);
                if (map is null || !map.IsStreaming || map.Handle is null || map.Buffer is null
                    || map.Buffer.WithoutTrivia().ToString() != buffer.WithoutTrivia().ToString()
                    || (map.Argument("offset")?.WithoutTrivia().ToString() ?? "0") != wantedOffset
                    || !map.HandleUsableAt(model, member, creation.SpanStart, cancellationToken))
                {
                    continue;
                }

                var replacement = map.Handle.WithoutTrivia().WithTriviaFrom(creation).WithAdditionalAnnotations(Formatter.Annotation);
                return new PlannedFix(
                    $"Use the mapping '{map.Handle.WithoutTrivia()}' the DMA API returned",
                    EquivalenceKey,
                    "forged@" + creation.SpanStart,
                    editor => editor.ReplaceNode(creation, replacement));
            }

            return null;
        }
    }
}
