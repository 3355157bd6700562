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
using Microsoft.CodeAnalysis.Formatting;

namespace DmaDiscipline.CodeFixes.Rules
{
    /// <summary>
    /// DMA003: inserts <c>if (dma.MappingError(addr)) { … }</c> right after the map, failing the way
    /// the method already fails (an error code, <c>false</c>, <c>null</c> or an exception). A failed
    /// mapping holds nothing, so the failure path owes no unmap.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MappingErrorCheckFixer)), Shared]
    public sealed class MappingErrorCheckFixer : DmaFixer
    {
        public const string EquivalenceKey = RuleIdentifiers.MappingErrorNotChecked + ".InsertCheck";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.MappingErrorNotChecked);

        internal override PlannedFix? Plan(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var map = MapCall.Find(model, root, diagnostic.AdditionalLocations.FirstOrDefault(), cancellationToken);
            if (map is null || !map.IsStreaming || map.Handle is null || !Statements.CanInsertAround(map.Statement))
            {
                return null;
            }

            var member = map.Statement.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax || a is LocalFunctionStatementSyntax);
            if (member is GlobalStatementSyntax { Parent: CompilationUnitSyntax program })
            {
                // Top-level statements: the program is the method.
                member = program;
            }

            if (member is null
                || !Stable.IsStable(model, map.Receiver, member, cancellationToken)
                || !map.HandleUsableAt(model, member, map.Statement.Span.End, cancellationToken)
                || HasCheck(model, member, map, cancellationToken))
            {
                // A check that exists but whose failure is ignored needs a human: the fix cannot tell which path was meant.
                return null;
            }

            var failure = FailureStyle.For(model, map.Statement, "DMA mapping failed", cancellationToken);
            if (failure is null)
            {
                return null;
            }

            // A failed mapping holds nothing, but what the method mapped before it still does: release it on the way out.
            var releases = EarlierLiveMappings(model, map, member, cancellationToken);
            var handle = map.Handle.WithoutTrivia().ToString();
            var test = map.IsConfigured
                ? RoleCall.Build(model, map, Analyzers.Symbols.DmaRole.MappingErrorCheck, handle, cancellationToken)
                : $"{map.Receiver.WithoutTrivia()}.MappingError({handle})";
            if (test is null)
            {
                return null; // the configured framework names no check this fix can call with what the map call has
            }

            // What else the method took before the map (a slot from a pool, a page): released the way its own later failure
            // path releases it; with no such path to learn from, the title says the failure path does not release it.
            var (others, from) = OtherReleases(model, map, member, releases.Select(r => r.Map.Handle!.WithoutTrivia().ToString()).ToList(), cancellationToken);
            // A configured framework's check is named by its own method in the title.
            var title = "Check the mapping with " + (SyntaxFactory.ParseExpression(test) is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax called }
                ? called.Name.Identifier.ValueText
                : "MappingError");
            if (from is not null)
            {
                title += $" (on failure, also release what the failure path at line {from.GetLocation().GetLineSpan().StartLinePosition.Line + 1} releases)";
            }
            else if (TakesBefore(model, map, member, cancellationToken))
            {
                title += " (on failure, anything else the method took before the map is not released)";
            }

            var check = SyntaxFactory.IfStatement(SyntaxFactory.ParseExpression(test), SyntaxFactory.Block(releases.Select(r => r.Release).Concat(others).Concat(new[] { failure })))
                .WithAdditionalAnnotations(Formatter.Annotation);
            var kept = releases.Select(r => r.Map.KeptLength).Where(k => k is not null).ToList();
            return new PlannedFix(
                title,
                EquivalenceKey,
                "check@" + map.Call.SpanStart,
                editor =>
                {
                    foreach (var local in kept)
                    {
                        local!.Apply(editor);
                    }

                    Statements.InsertAfter(editor, map.Statement, new[] { check });
                });
        }

        /// <summary><c>if (receiver.MappingError(handle)) { failure }</c>.</summary>
        internal static StatementSyntax CheckStatement(MapCall map, StatementSyntax failure) =>
            CheckStatement(map.Receiver.WithoutTrivia().ToString(), map.Handle!.WithoutTrivia().ToString(), failure);

        internal static StatementSyntax CheckStatement(string receiver, string handle, params StatementSyntax[] failure) =>
            SyntaxFactory.IfStatement(SyntaxFactory.ParseExpression($"{receiver}.MappingError({handle})"), SyntaxFactory.Block(failure))
                .WithAdditionalAnnotations(Formatter.Annotation);

        /// <summary>
        /// Mappings made earlier in the map's block or a block around it (in the same member), and not released before
        /// <paramref name="map"/>: the failure path must release them.
        /// </summary>
        private static List<(MapCall Map, StatementSyntax Release)> EarlierLiveMappings(SemanticModel model, MapCall map, SyntaxNode member, CancellationToken cancellationToken)
        {
            var releases = new List<(MapCall Map, StatementSyntax Release)>();
            var earlier = new List<StatementSyntax>();
            for (SyntaxNode inner = map.Statement; inner != member && inner.Parent is { } parent; inner = parent)
            {
                if (parent is BlockSyntax around)
                {
                    earlier.InsertRange(0, around.Statements.TakeWhile(s => s != inner));
                }
                else if (parent is GlobalStatementSyntax global && global.Parent is CompilationUnitSyntax program)
                {
                    // A program's top-level statements before this one.
                    earlier.InsertRange(0, program.Members.TakeWhile(m => m != global).OfType<GlobalStatementSyntax>().Select(g => g.Statement));
                    break;
                }
                else if (parent is AnonymousFunctionExpressionSyntax || parent is LocalFunctionStatementSyntax)
                {
                    break;
                }
            }

            foreach (var statement in earlier)
            {
                foreach (var call in statement.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
                {
                    var previous = MapCall.From(model, call, cancellationToken);
                    if (previous is null || previous.Handle is null || previous.Statement != statement)
                    {
                        continue;
                    }

                    var handle = previous.Handle.WithoutTrivia().ToString();
                    var releasedSince = earlier.SkipWhile(s => s != statement).Skip(1).Any(s => s.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(i =>
                        FrameworkRoles.IsCallOn(model, i, Analyzers.Symbols.DmaRole.Unmap | Analyzers.Symbols.DmaRole.CoherentFree, handle, cancellationToken)));
                    if (!releasedSince && MappingNotReleasedFixer.Release(model, previous, member, map.Statement.Span.End, cancellationToken) is { } release)
                    {
                        releases.Add((previous, release));
                    }
                }
            }

            return releases;
        }

        /// <summary>
        /// The method's own first failure path after the map — an <c>if</c> whose block ends in <c>return</c> or <c>throw</c> —
        /// read for what it releases that the method took before the map: its expression statements that name no local
        /// declared at or after the map statement and release no mapping already released (<paramref name="released"/>).
        /// Those statements, and the path they came from; none when the method has no such path.
        /// </summary>
        private static (List<StatementSyntax> Statements, IfStatementSyntax? From) OtherReleases(SemanticModel model, MapCall map, SyntaxNode member, List<string> released, CancellationToken cancellationToken)
        {
            var handle = map.Handle!.WithoutTrivia().ToString();
            foreach (var path in member.DescendantNodes(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax)).OfType<IfStatementSyntax>())
            {
                if (path.SpanStart < map.Statement.Span.End || !(path.Statement is BlockSyntax block) || block.Statements.Count < 2
                    || !(block.Statements.Last() is ReturnStatementSyntax || block.Statements.Last() is ThrowStatementSyntax)
                    || path.Condition.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(n => n.Identifier.ValueText == handle))
                {
                    continue;
                }

                var taken = new List<StatementSyntax>();
                foreach (var statement in block.Statements.Take(block.Statements.Count - 1))
                {
                    if (!(statement is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax call })
                        || NamesLaterLocal(model, statement, map.Statement.SpanStart, cancellationToken)
                        || call.ArgumentList.Arguments.Count > 0 && released.Contains(call.ArgumentList.Arguments[0].Expression.WithoutTrivia().ToString()) && IsDmaCall(model, call, cancellationToken))
                    {
                        continue;
                    }

                    taken.Add(statement.WithoutLeadingTrivia().WithAdditionalAnnotations(Formatter.Annotation));
                }

                return taken.Count == 0 ? (taken, null) : (taken, path);
            }

            return (new List<StatementSyntax>(), null);
        }

        /// <summary>Whether <paramref name="statement"/> names a local (or a parameter of a lambda) declared at or after <paramref name="position"/>.</summary>
        private static bool NamesLaterLocal(SemanticModel model, StatementSyntax statement, int position, CancellationToken cancellationToken) =>
            statement.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n =>
                model.GetSymbolInfo(n, cancellationToken).Symbol is ILocalSymbol local
                && local.DeclaringSyntaxReferences.Any(r => r.Span.Start >= position));

        private static bool IsDmaCall(SemanticModel model, InvocationExpressionSyntax call, CancellationToken cancellationToken)
        {
            var method = model.GetSymbolInfo(call, cancellationToken).Symbol as IMethodSymbol;
            return method is not null && (RuntimeSymbols.Is(method.ContainingType, RuntimeSymbols.From(model.Compilation).DmaApi)
                || FrameworkRoles.RolesOf(model, method, cancellationToken) != 0);
        }

        /// <summary>
        /// Whether the method calls, before the map, anything that may take a resource: any call but the DMA API's (or a
        /// configured framework's DMA methods), one handing a mapping's address on (to a ring, a descriptor), static helpers
        /// of <c>System</c> and <c>System.Buffers.Binary</c> (<c>Math</c>, <c>BinaryPrimitives</c>) and members of <c>Span</c>.
        /// </summary>
        private static bool TakesBefore(SemanticModel model, MapCall map, SyntaxNode member, CancellationToken cancellationToken)
        {
            var dmaAddr = RuntimeSymbols.From(model.Compilation).DmaAddr;
            bool IsHandle(ITypeSymbol? type) => type is not null
                && (RuntimeSymbols.Is(type, dmaAddr) || SymbolEqualityComparer.Default.Equals(type, map.Method.ReturnType));
            return member.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(call =>
                call.Span.End <= map.Statement.SpanStart && !IsDmaCall(model, call, cancellationToken)
                && model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol method
                && !(method.IsStatic && method.ContainingNamespace?.ToDisplayString() is "System" or "System.Buffers.Binary")
                && !(method.ContainingType?.Name is "Span" or "ReadOnlySpan" && method.ContainingNamespace?.ToDisplayString() == "System")
                && !call.ArgumentList.Arguments.Any(a => a.Expression.DescendantNodesAndSelf().OfType<ExpressionSyntax>()
                    .Any(e => IsHandle(model.GetTypeInfo(e, cancellationToken).Type))));
        }

        private static bool HasCheck(SemanticModel model, SyntaxNode member, MapCall map, CancellationToken cancellationToken)
        {
            var handle = map.Handle!.WithoutTrivia().ToString();
            return member.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(i => FrameworkRoles.IsCheckOf(model, i, handle, cancellationToken));
        }
    }
}
