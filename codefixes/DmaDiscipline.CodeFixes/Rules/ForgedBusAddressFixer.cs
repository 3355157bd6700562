using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using DmaDiscipline.Analyzers;
using DmaDiscipline.Analyzers.Symbols;
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
    /// With no mapping of the buffer in scope, an address given to a device gets DMA001's per-request map
    /// (the forged address becomes the mapping's handle). A bus address forged from a constant, or given
    /// to unmap or sync with no mapping in scope, gets no fix: there is nothing it should have come from.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ForgedBusAddressFixer)), Shared]
    public sealed class ForgedBusAddressFixer : DmaFixer
    {
        public const string EquivalenceKey = RuleIdentifiers.ForgedBusAddress + ".UseMapping";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.ForgedBusAddress);

        internal override PlannedFix? Plan(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken) =>
            Plans(model, root, diagnostic, cancellationToken).FirstOrDefault();

        /// <summary>The mapping in scope when there is one; else, for an address a device is given, DMA001's per-request map.</summary>
        internal override IEnumerable<PlannedFix> Plans(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!(Read(model, root, diagnostic, cancellationToken) is { } forgery))
            {
                return Enumerable.Empty<PlannedFix>();
            }

            var (plan, bufferMapped) = UseMapping(model, forgery, cancellationToken);
            if (plan is not null)
            {
                return new[] { plan };
            }

            // A mapping of the buffer at another offset (which was meant needs a human), or a forged address given back to
            // the DMA API (unmap, sync: there must be a mapping to release): no fix.
            return bufferMapped || forgery.Extra is not null || GivenToDmaApi(model, forgery.Creation, cancellationToken)
                ? Enumerable.Empty<PlannedFix>()
                : RawPhysicalAddressFixer.MapForged(model, forgery.Creation, forgery.Source, forgery.Buffer, forgery.Offset, cancellationToken);
        }

        private sealed class Forgery
        {
            public Forgery(BaseObjectCreationExpressionSyntax creation, ExpressionSyntax source, ExpressionSyntax buffer, ExpressionSyntax? offset, ExpressionSyntax? extra, SyntaxNode member)
            {
                Creation = creation;
                Source = source;
                Buffer = buffer;
                Offset = offset;
                Extra = extra;
                Member = member;
            }

            public BaseObjectCreationExpressionSyntax Creation { get; }

            /// <summary>The physical-address expression (<c>b.PhysicalAddress</c>, <c>memory.VirtToPhys(b, off)</c>).</summary>
            public ExpressionSyntax Source { get; }

            public ExpressionSyntax Buffer { get; }

            public ExpressionSyntax? Offset { get; }

            /// <summary>An offset added to the address (<c>new DmaAddr(b.PhysicalAddress.Value + off)</c>).</summary>
            public ExpressionSyntax? Extra { get; }

            public SyntaxNode Member { get; }
        }

        /// <summary><c>new DmaAddr(buffer.PhysicalAddress.Value [+ offset])</c> at the diagnostic, or null.</summary>
        private static Forgery? Read(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
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

            var member = creation.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax || a is LocalFunctionStatementSyntax);
            return member is null ? null : new Forgery(creation, value.Expression, buffer, offset, extra, member);
        }

        /// <summary>The fix that uses a mapping of the same buffer at the same offset in scope, and whether the buffer is mapped before the site at all.</summary>
        private static (PlannedFix? Plan, bool BufferMapped) UseMapping(SemanticModel model, Forgery forgery, CancellationToken cancellationToken)
        {
            var creation = forgery.Creation;
            var wantedOffset = (forgery.Offset ?? forgery.Extra)?.WithoutTrivia().ToString() ?? "0";
            var maps = BufferMappings.Before(model, forgery.Member, forgery.Buffer, creation.SpanStart, cancellationToken);
            // Of several mappings of the buffer the one at the forged offset is meant (a header and a payload at different offsets),
            // and of those the latest (an earlier one may be unmapped already).
            foreach (var map in maps.Reverse())
            {
                if (map.Handle is null || !BufferMappings.SameOffset(BufferMappings.OffsetOf(map), wantedOffset)
                    || !map.HandleUsableAt(model, forgery.Member, creation.SpanStart, cancellationToken))
                {
                    continue;
                }

                var replacement = map.Handle.WithoutTrivia().WithTriviaFrom(creation).WithAdditionalAnnotations(Formatter.Annotation);
                return (new PlannedFix(
                    $"Use the mapping '{map.Handle.WithoutTrivia()}' the DMA API returned",
                    EquivalenceKey,
                    "forged@" + creation.SpanStart,
                    editor => editor.ReplaceNode(creation, replacement)), true);
            }

            return (null, maps.Count > 0);
        }

        /// <summary>Is the forged address an argument of an unmap or sync (a call with a DMA role other than a device sink)?</summary>
        private static bool GivenToDmaApi(SemanticModel model, ExpressionSyntax creation, CancellationToken cancellationToken) =>
            creation.Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } }
            && (FrameworkRoles.RolesOf(model, model.GetSymbolInfo(call, cancellationToken).Symbol, cancellationToken)
                & (DmaRole.Unmap | DmaRole.SyncForCpu | DmaRole.SyncForDevice)) != 0;
    }
}
