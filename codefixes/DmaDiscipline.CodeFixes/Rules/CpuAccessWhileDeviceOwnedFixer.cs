using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using DmaDiscipline.Analyzers;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Mapping;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.CodeFixes.Rules
{
    /// <summary>
    /// DMA005: surrounds the statement that touches a device-owned buffer with
    /// <c>SyncForCpu</c> (the CPU takes the buffer) and <c>SyncForDevice</c> (it hands it back),
    /// both with the map's address, length and direction. The hand-back is left out when the next
    /// thing the method does with the mapping is to unmap it, or when the statement leaves the method.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CpuAccessWhileDeviceOwnedFixer)), Shared]
    public sealed class CpuAccessWhileDeviceOwnedFixer : DmaFixer
    {
        public const string EquivalenceKey = RuleIdentifiers.CpuAccessWhileDeviceOwned + ".SyncAroundAccess";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.CpuAccessWhileDeviceOwned);

        internal override PlannedFix? Plan(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var map = MapCall.Find(model, root, diagnostic.AdditionalLocations.FirstOrDefault(), cancellationToken);
            var access = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var statement = access.FirstAncestorOrSelf<StatementSyntax>();
            if (map is null || !map.IsStreaming || map.Handle is null || map.Length is null || map.Direction is null
                || statement is null || !Statements.CanInsertAround(statement) || statement is LocalDeclarationStatementSyntax && IsEmbeddedDeclaration(statement))
            {
                return null;
            }

            var member = statement.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax || a is LocalFunctionStatementSyntax);
            var pieces = new[] { map.Receiver, map.Direction };
            if (member is null || !member.Contains(map.Call)
                || pieces.Any(p => !Stable.IsStable(model, p, member, cancellationToken) || !Stable.IsInScope(model, p, statement.SpanStart, cancellationToken))
                || !map.HandleUsableAt(model, member, statement.SpanStart, cancellationToken))
            {
                return null;
            }

            // Consecutive statements of the same block that touch the same buffer are one CPU access: one sync pair around them all.
            var (first, last) = AccessRun(statement, map);
            if (!map.LengthUsableAt(model, member, first.SpanStart, cancellationToken) || !map.LengthUsableAt(model, member, last.Span.End, cancellationToken))
            {
                return null; // a computed length no local can keep (LengthLocal)
            }

            var toCpu = Call(model, map, "SyncForCpu", cancellationToken);
            var handedBack = LeavesMethod(last) || NextUseHandsBack(model, last, map, cancellationToken);
            var handBack = handedBack ? null : Call(model, map, "SyncForDevice", cancellationToken);
            if (toCpu is null || !handedBack && handBack is null)
            {
                return null; // a configured framework without the sync this needs
            }

            var before = toCpu;
            var kept = map.KeptLength;
            return new PlannedFix(
                (handBack is null ? "Sync for the CPU before the access" : "Sync for the CPU before the access and for the device after it") + MappingNotReleasedFixer.KeptLengthNote(kept),
                EquivalenceKey,
                "sync@" + first.SpanStart,
                editor =>
                {
                    kept?.Apply(editor);
                    if (first == last)
                    {
                        Statements.InsertAround(editor, statement, new[] { before }, handBack is null ? new StatementSyntax[0] : new[] { handBack });
                        return;
                    }

                    Statements.InsertBefore(editor, first, new[] { before });
                    if (handBack is not null)
                    {
                        Statements.InsertAfter(editor, last, new[] { handBack });
                    }
                });
        }

        private static (StatementSyntax First, StatementSyntax Last) AccessRun(StatementSyntax statement, MapCall map)
        {
            if (!(statement.Parent is BlockSyntax block) || map.Buffer is null)
            {
                return (statement, statement);
            }

            var access = map.Buffer.WithoutTrivia() + ".Span";
            bool Touches(StatementSyntax s) => s.DescendantNodesAndSelf().OfType<MemberAccessExpressionSyntax>().Any(m => m.ToString() == access)
                && !s.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().Any(i => i.Expression is MemberAccessExpressionSyntax a && a.Name.Identifier.ValueText.StartsWith("Sync", System.StringComparison.Ordinal));
            var statements = block.Statements;
            var index = statements.IndexOf(statement);
            var start = index;
            while (start > 0 && Touches(statements[start - 1]) && !LeavesMethod(statements[start - 1]))
            {
                start--;
            }

            var end = index;
            while (end + 1 < statements.Count && Touches(statements[end + 1]) && !LeavesMethod(statements[end]))
            {
                end++;
            }

            return (statements[start], statements[end]);
        }

        /// <summary>The runtime's <c>SyncForCpu</c>/<c>SyncForDevice</c>, or a configured framework's method with that role.</summary>
        internal static StatementSyntax? Call(SemanticModel model, MapCall map, string method, CancellationToken cancellationToken)
        {
            if (map.IsConfigured)
            {
                var role = method == "SyncForCpu" ? Analyzers.Symbols.DmaRole.SyncForCpu : Analyzers.Symbols.DmaRole.SyncForDevice;
                var call = RoleCall.Build(model, map, role, map.Handle!.WithoutTrivia().ToString(), cancellationToken);
                return call is null ? null : Statements.Parse(call + ";");
            }

            return Statements.Parse($"{map.Receiver.WithoutTrivia()}.{method}({map.Handle!.WithoutTrivia()}, {map.LengthText}, {map.Direction!.WithoutTrivia()});");
        }

        private static bool IsEmbeddedDeclaration(StatementSyntax statement) => !(statement.Parent is BlockSyntax) && !(statement.Parent is SwitchSectionSyntax);

        private static bool LeavesMethod(StatementSyntax statement) =>
            statement is ReturnStatementSyntax || statement is ThrowStatementSyntax;

        /// <summary>
        /// The first later statement of the same block that names the mapping's handle (in a call, a descriptor write, anything)
        /// is, itself, its unmap — or the driver's own <c>SyncForDevice</c> of it, which hands the buffer back already (a second
        /// one would only repeat it).
        /// </summary>
        private static bool NextUseHandsBack(SemanticModel model, StatementSyntax statement, MapCall map, CancellationToken cancellationToken)
        {
            var handle = map.Handle!.WithoutTrivia().ToString();
            IEnumerable<StatementSyntax> following = statement.Parent switch
            {
                BlockSyntax block => block.Statements.SkipWhile(s => s != statement).Skip(1),
                SwitchSectionSyntax section => section.Statements.SkipWhile(s => s != statement).Skip(1),
                _ => Enumerable.Empty<StatementSyntax>(),
            };
            foreach (var next in following)
            {
                // Any mention of the handle counts — an address written into a descriptor hands the buffer to the device
                // as surely as a call does.
                if (next.DescendantNodes().OfType<ExpressionSyntax>().Any(e => e.WithoutTrivia().ToString() == handle))
                {
                    // Only an unmap the method always reaches next: one inside a branch (the failure path of a post) leaves
                    // the other path with the device owning the buffer, which must get it back.
                    return next is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax direct }
                        && direct.ArgumentList.Arguments.Any(a => a.Expression.WithoutTrivia().ToString() == handle)
                        && (FrameworkRoles.RolesOf(model, model.GetSymbolInfo(direct, cancellationToken).Symbol, cancellationToken) & (Analyzers.Symbols.DmaRole.Unmap | Analyzers.Symbols.DmaRole.SyncForDevice)) != 0;
                }

                if (next.DescendantNodesAndSelf().Any(n => n is ReturnStatementSyntax || n.IsKind(SyntaxKind.ThrowStatement)))
                {
                    return false;
                }
            }

            return false;
        }
    }
}
