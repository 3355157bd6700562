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
    /// DMA002: releases the mapping (<c>UnmapSingle</c>, <c>UnmapSg</c>) or coherent buffer
    /// (<c>FreeCoherent</c>) on the path that leaks it — right before the <c>return</c> or
    /// <c>throw</c> the analyzer names, or at the end of a method that falls off its end — with the
    /// map's own length and direction. Each leaking exit is reported in turn, so Fix All releases on
    /// every path. A mapping whose handle is not kept in a variable gets no fix.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MappingNotReleasedFixer)), Shared]
    public sealed class MappingNotReleasedFixer : DmaFixer
    {
        public const string EquivalenceKey = RuleIdentifiers.MappingNotReleased + ".ReleaseOnPath";
        public const string TryFinallyKey = RuleIdentifiers.MappingNotReleased + ".TryFinally";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.MappingNotReleased);

        internal override IEnumerable<PlannedFix> Plans(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (Plan(model, root, diagnostic, cancellationToken) is { } onPath)
            {
                yield return onPath;
            }

            if (TryFinally(model, root, diagnostic, cancellationToken) is { } tryFinally)
            {
                yield return tryFinally;
            }
        }

        /// <summary>
        /// The alternative: everything after the map (and its check) moves into <c>try</c>, the release into
        /// <c>finally</c>. Offered when the method has no release of its own and never hands the handle on, or when its
        /// only release is a statement of the map's own block that ends the handle's life there (a synchronous driver:
        /// post, wait, unmap) and the handle never outlives the method — then that release moves into <c>finally</c>,
        /// with the map's own length and direction, and locals the statements after it read are declared before the
        /// <c>try</c>.
        /// </summary>
        private static PlannedFix? TryFinally(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            // The earlier passes' mappings of a loop's map (overwritten, or left by a partial unwind): a release of this pass's
            // handle on the way out of the block is not theirs.
            var map = diagnostic.Properties.ContainsKey(Analyzers.Flow.MappingFlow.EarlierPassesProperty) ? null : MapCall.Find(model, root, diagnostic.Location, cancellationToken);
            if (map is null || map.Declarator is null || map.IsScatterGather || !(map.Statement.Parent is BlockSyntax block))
            {
                return null;
            }

            var member = map.Statement.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax || a is LocalFunctionStatementSyntax);
            var after = block.Statements.SkipWhile(s => s != map.Statement).Skip(1).ToList();
            var handle = map.Declarator.Identifier.ValueText;
            if (after.Count > 0 && after[0] is IfStatementSyntax check && FrameworkRoles.TestsCheckOf(model, check.Condition, handle, cancellationToken))
            {
                after.RemoveAt(0);
            }

            var releases = after.SelectMany(s => s.DescendantNodesAndSelf()).OfType<InvocationExpressionSyntax>().Where(i => IsRelease(model, i, handle, cancellationToken)).ToList();
            StatementSyntax? own = null;
            if (releases.Count > 0)
            {
                if (releases.Count > 1 || !(releases[0].Parent is ExpressionStatementSyntax statement) || !after.Contains(statement))
                {
                    return null;
                }

                own = statement;
            }

            var cut = own is null ? after.Count : after.IndexOf(own);
            var moved = after.Take(cut).ToList();
            var trailing = own is null ? new List<StatementSyntax>() : after.Skip(cut + 1).ToList();
            bool Names(SyntaxNode n, string name) => n is IdentifierNameSyntax id && id.Identifier.ValueText == name;
            var uses = moved.SelectMany(s => s.DescendantNodesAndSelf()).OfType<IdentifierNameSyntax>().Where(n => Names(n, handle)).ToList();
            if (member is null || moved.Count == 0
                // A local function or label declared there would leave the scope of the code after the try.
                || own is not null && moved.Any(s => s is LocalFunctionStatementSyntax || s is LabeledStatementSyntax)
                || trailing.Any(s => s.DescendantNodesAndSelf().Any(n => Names(n, handle)))
                || uses.Any(n => own is null ? HandsOn(model, n, cancellationToken) : Outlives(model, n, cancellationToken))
                || !Hoistable(model, moved, trailing, cancellationToken, out var hoisted))
            {
                return null;
            }

            var release = Release(model, map, member, (own ?? after[after.Count - 1]).SpanStart, cancellationToken);
            if (release is null)
            {
                return null;
            }

            var what = map.IsCoherent ? "Free the coherent buffer" : "Unmap";
            var kept = map.KeptLength;
            var moves = own is null ? string.Empty : $" instead of at line {own.GetLocation().GetLineSpan().StartLinePosition.Line + 1}";
            return new PlannedFix(
                $"{what} in a finally block{moves}" + KeptLengthNote(kept),
                TryFinallyKey,
                "finally@" + map.Call.SpanStart,
                editor =>
                {
                    kept?.Apply(editor);
                    editor.ReplaceNode(block, (current, _) =>
                    {
                        var statements = ((BlockSyntax)current).Statements;
                        var first = statements.Count - after.Count;
                        var before = statements.Take(first);
                        var inTry = statements.Skip(first).Take(cut).Select((s, i) => hoisted.TryGetValue(i, out var h) ? h.Assignment.WithTriviaFrom(s) : s);
                        var wrapped = SyntaxFactory.TryStatement(SyntaxFactory.Block(inTry), default, SyntaxFactory.FinallyClause(SyntaxFactory.Block(release)))
                            .WithAdditionalAnnotations(Formatter.Annotation);
                        var rest = statements.Skip(first + cut + (own is null ? 0 : 1));
                        // The first declaration takes the blank line that set the moved statements off.
                        var declarations = hoisted.OrderBy(h => h.Key).Select((h, i) => i == 0 ? h.Value.Declaration.WithLeadingTrivia(statements[first].GetLeadingTrivia()) : h.Value.Declaration);
                        return ((BlockSyntax)current).WithStatements(SyntaxFactory.List(before.Concat(declarations).Concat(new StatementSyntax[] { wrapped }).Concat(rest)));
                    });
                });
        }

        /// <summary>
        /// Locals declared among the statements moving into <c>try</c> that the statements after it read: each must be a
        /// single-variable declaration statement with an initializer, declared before the <c>try</c> (its type written out)
        /// and assigned where it was declared. Any other local those statements read (an <c>out var</c>, a pattern, one
        /// declared without a value) leaves no fix.
        /// Keyed by the declaration's index among the moved statements.
        /// </summary>
        private static bool Hoistable(SemanticModel model, List<StatementSyntax> moved, List<StatementSyntax> trailing, CancellationToken cancellationToken, out Dictionary<int, (StatementSyntax Declaration, StatementSyntax Assignment)> hoisted)
        {
            hoisted = new Dictionary<int, (StatementSyntax, StatementSyntax)>();
            var read = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var id in trailing.SelectMany(s => s.DescendantNodesAndSelf()).OfType<IdentifierNameSyntax>())
            {
                if (model.GetSymbolInfo(id, cancellationToken).Symbol is ILocalSymbol local)
                {
                    read.Add(local);
                }
            }

            foreach (var declared in moved.SelectMany(s => s.DescendantNodesAndSelf()))
            {
                if (!(model.GetDeclaredSymbol(declared, cancellationToken) is ILocalSymbol local) || !read.Contains(local))
                {
                    continue;
                }

                if (!(declared is VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1 } declaration, Initializer: { } initializer } declarator)
                    || !(declaration.Parent is LocalDeclarationStatementSyntax statement) || !moved.Contains(statement)
                    || statement.IsConst || statement.UsingKeyword != default || local.RefKind != RefKind.None || local.Type.IsRefLikeType)
                {
                    return false;
                }

                var type = SyntaxFactory.ParseTypeName(local.Type.ToMinimalDisplayString(model, statement.SpanStart));
                var declaration2 = SyntaxFactory.LocalDeclarationStatement(SyntaxFactory.VariableDeclaration(type,
                    SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(declarator.Identifier.WithoutTrivia()))))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                var assignment = SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression,
                    SyntaxFactory.IdentifierName(declarator.Identifier.WithoutTrivia()), initializer.Value.WithoutTrivia()));
                hoisted[moved.IndexOf(statement)] = (declaration2, assignment.WithAdditionalAnnotations(Formatter.Annotation));
            }

            return true;
        }

        /// <summary>
        /// True when the handle may outlive the method here: returned, stored anywhere but a local (or an element or
        /// member of one), or passed itself — not an address read from it — to anything but the DMA API.
        /// </summary>
        private static bool Outlives(SemanticModel model, IdentifierNameSyntax use, CancellationToken cancellationToken)
        {
            if (use.Ancestors().Any(a => a is ReturnStatementSyntax || a is YieldStatementSyntax || a is AnonymousFunctionExpressionSyntax || a is LocalFunctionStatementSyntax))
            {
                return true;
            }

            var value = use.Parent is MemberAccessExpressionSyntax access && access.Expression == use ? (ExpressionSyntax)access : use;
            var top = value;
            while (top.Parent is BinaryExpressionSyntax || top.Parent is CastExpressionSyntax || top.Parent is ParenthesizedExpressionSyntax || top.Parent is CheckedExpressionSyntax)
            {
                top = (ExpressionSyntax)top.Parent;
            }

            switch (top.Parent)
            {
                case AssignmentExpressionSyntax assignment when assignment.Right == top:
                    return !IsLocalRooted(model, assignment.Left, handleItself: top == use, cancellationToken);
                case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax }:
                    return false;
                case ArgumentSyntax argument when argument.Parent?.Parent is InvocationExpressionSyntax call:
                    return top == use && !FrameworkRoles.IsDmaApiCall(model, call, cancellationToken);
                default:
                    return top == use && top.Parent is not MemberAccessExpressionSyntax;
            }
        }

        /// <summary>
        /// A local holding memory made for it (<c>stackalloc</c>, a new array or object) that it never hands on: it is
        /// never assigned again, returned, or read as a whole anywhere but as the receiver of an element or member access
        /// — or, for a span holding addresses read from the handle (descriptors), as an argument: a callee cannot keep a
        /// span past the call, only copy the addresses to the device. An array or object passed whole may be kept by the
        /// callee, and a span holding the handle itself lets the callee copy the handle out (a later unmap elsewhere).
        /// </summary>
        private static bool IsFresh(SemanticModel model, ILocalSymbol local, bool handleItself, CancellationToken cancellationToken)
        {
            var passableWhole = local.Type.IsRefLikeType && !handleItself;
            if (!(local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: var made } declarator)
                || !(made is StackAllocArrayCreationExpressionSyntax || made is ImplicitStackAllocArrayCreationExpressionSyntax
                    || made is ArrayCreationExpressionSyntax || made is ImplicitArrayCreationExpressionSyntax || made is BaseObjectCreationExpressionSyntax))
            {
                return false;
            }

            var scope = declarator.FirstAncestorOrSelf<BlockSyntax>();
            return scope is not null && scope.DescendantNodes().OfType<IdentifierNameSyntax>()
                .Where(n => n.Identifier.ValueText == local.Name)
                .All(n => n.Parent is ElementAccessExpressionSyntax e && e.Expression == n
                    || n.Parent is MemberAccessExpressionSyntax m && m.Expression == n
                    || n.Parent is ArgumentSyntax { RefKindKeyword.RawKind: 0 } a && a.Parent?.Parent is InvocationExpressionSyntax call
                        && (passableWhole || FrameworkRoles.IsDmaApiCall(model, call, cancellationToken)));
        }

        /// <summary>True when the assigned place is a local, or an element or field of one (a descriptor span on the stack), that keeps what it is given to this method.</summary>
        private static bool IsLocalRooted(SemanticModel model, ExpressionSyntax target, bool handleItself, CancellationToken cancellationToken)
        {
            while (true)
            {
                switch (target)
                {
                    case MemberAccessExpressionSyntax member:
                        if (model.GetSymbolInfo(member, cancellationToken).Symbol is IPropertySymbol)
                        {
                            return false;
                        }

                        target = member.Expression;
                        continue;
                    case ElementAccessExpressionSyntax element:
                        target = element.Expression;
                        continue;
                    case IdentifierNameSyntax name:
                        return model.GetSymbolInfo(name, cancellationToken).Symbol is ILocalSymbol local && local.RefKind == RefKind.None
                            && (local.Type.IsValueType && !local.Type.IsRefLikeType || IsFresh(model, local, handleItself, cancellationToken));
                    default:
                        return false;
                }
            }
        }

        /// <summary>What the title adds when the fix keeps a computed map length in a local.</summary>
        internal static string KeptLengthNote(LengthLocal? kept) => kept is null ? string.Empty : $" (the map's length kept in '{kept.Name}')";

        /// <summary>True when the handle leaves the DMA API's hands here: returned, stored, or passed to anything but the DMA API.</summary>
        private static bool HandsOn(SemanticModel model, IdentifierNameSyntax use, CancellationToken cancellationToken)
        {
            var node = use.Parent is MemberAccessExpressionSyntax access && access.Expression == use ? access : (SyntaxNode)use;
            switch (node.Parent)
            {
                case ReturnStatementSyntax _:
                case AssignmentExpressionSyntax assignment when assignment.Right == node:
                case EqualsValueClauseSyntax _:
                    return true;
                case ArgumentSyntax argument when argument.Parent?.Parent is InvocationExpressionSyntax call:
                    return !FrameworkRoles.IsDmaApiCall(model, call, cancellationToken);
                default:
                    return false;
            }
        }

        internal override PlannedFix? Plan(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            // The earlier passes' mappings of a loop's map (a partial unwind): one unmap of the handle would release the failed pass's.
            var map = diagnostic.Properties.ContainsKey(Analyzers.Flow.MappingFlow.EarlierPassesProperty) ? null : MapCall.Find(model, root, diagnostic.Location, cancellationToken);
            if (map is null)
            {
                return null;
            }

            var member = map.Statement.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax || a is LocalFunctionStatementSyntax || a is AnonymousFunctionExpressionSyntax);
            var exitLocation = diagnostic.AdditionalLocations.FirstOrDefault();
            if (member is null)
            {
                return null;
            }

            var exits = new List<(StatementSyntax Statement, bool Before)>();
            if (exitLocation is not null && exitLocation.SourceTree == root.SyntaxTree && FindExit(root, map, exitLocation, out var exit))
            {
                exits.Add(exit);
            }
            else if (!FindUnmarkedExits(model, member, map, exits, cancellationToken))
            {
                if (exitLocation is null || exitLocation.SourceTree != root.SyntaxTree || !FindBranchExit(root, map, exitLocation, out var branchExit))
                {
                    return null;
                }

                exits.Add(branchExit);
            }

            var releases = new List<StatementSyntax>();
            foreach (var (statement, before) in exits)
            {
                var release = Release(model, map, member, before ? statement.SpanStart : statement.Span.End, cancellationToken);
                if (release is null
                    || (before && statement is ReturnStatementSyntax { Expression: { } returned } && map.Handle is not null
                        && returned.DescendantNodesAndSelf().Any(n => n.ToString() == map.Handle.ToString())))
                {
                    // Returning the handle hands it to the caller: not a leak the fix should undo.
                    return null;
                }

                releases.Add(release);
            }

            var what = map.IsCoherent ? "Free the coherent buffer" : "Unmap";
            var first = exits[0];
            var line = first.Statement.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            var title = exits.Count > 1 ? $"{what} on every path that leaves without it"
                : first.Before ? $"{what} before leaving at line {line}" : $"{what} after line {line}, where the method leaves";
            var kept = map.KeptLength;
            title += KeptLengthNote(kept);
            return new PlannedFix(
                title,
                EquivalenceKey,
                "release@" + map.Call.SpanStart + "@" + string.Join(",", exits.Select(e => e.Statement.SpanStart)),
                editor =>
                {
                    kept?.Apply(editor);
                    for (var i = 0; i < exits.Count; i++)
                    {
                        if (exits[i].Before)
                        {
                            Statements.InsertBefore(editor, exits[i].Statement, new[] { releases[i] });
                        }
                        else
                        {
                            Statements.InsertAfter(editor, exits[i].Statement, new[] { releases[i] });
                        }
                    }
                });
        }

        /// <summary>
        /// Where the leaking path leaves: before a <c>return</c>/<c>throw</c>, or after the last
        /// statement that runs on it. The analyzer names the exit by its branch value (the returned or
        /// thrown value) or the last operation before it; with neither, the method's end.
        /// </summary>
        private static bool FindExit(SyntaxNode root, MapCall map, Location exitLocation, out (StatementSyntax Statement, bool Before) exit)
        {
            exit = default;
            StatementSyntax? before = null;
            StatementSyntax? after = null;
            {
                var statement = root.FindNode(exitLocation.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<StatementSyntax>();
                if (statement is null || statement.SpanStart < map.Call.Span.End || !Statements.CanInsertAround(statement)
                    || !(statement is ReturnStatementSyntax || statement is ThrowStatementSyntax || statement is ExpressionStatementSyntax || statement is LocalDeclarationStatementSyntax))
                {
                    // The exit is marked by a branch condition: the exits after it are found like unmarked ones.
                    return false;
                }

                if (statement is ReturnStatementSyntax || statement is ThrowStatementSyntax)
                {
                    before = statement;
                }
                else
                {
                    var next = NextStatement(statement);
                    if (next is null)
                    {
                        after = statement;
                    }
                    else if (next is ReturnStatementSyntax { Expression: null } || next is ThrowStatementSyntax)
                    {
                        before = next;
                    }
                    else
                    {
                        return false;
                    }
                }
            }

            exit = before is not null ? (before, true) : (after!, false);
            return true;
        }

        /// <summary>
        /// A bare <c>return;</c> is named by the last operation before it: the condition of the <c>if</c> it ends. When the
        /// unmarked exits cannot all be released (the handle was handed on before some of them), the path leaves through
        /// that <c>if</c>'s bare return — the one branch that leaves without an operation of its own — and only there.
        /// </summary>
        private static bool FindBranchExit(SyntaxNode root, MapCall map, Location exitLocation, out (StatementSyntax Statement, bool Before) exit)
        {
            exit = default;
            var statement = root.FindNode(exitLocation.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<StatementSyntax>();
            if (!(statement is IfStatementSyntax branch) || !branch.Condition.Span.Contains(exitLocation.SourceSpan) || branch.SpanStart < map.Call.Span.End)
            {
                return false;
            }

            var bare = new[] { branch.Statement, branch.Else?.Statement }.Select(BareReturn).Where(r => r is not null).ToList();
            if (bare.Count != 1 || !Statements.CanInsertAround(bare[0]!))
            {
                return false;
            }

            exit = (bare[0]!, true);
            return true;
        }

        /// <summary>A bare <c>return;</c> that is <paramref name="branch"/>, or the first statement of its block.</summary>
        private static StatementSyntax? BareReturn(StatementSyntax? branch) => branch switch
        {
            ReturnStatementSyntax { Expression: null } bare => bare,
            BlockSyntax { Statements: { Count: > 0 } statements } when statements[0] is ReturnStatementSyntax { Expression: null } bare => bare,
            _ => null,
        };

        /// <summary>
        /// No operation marks the exit: it is a bare <c>return;</c> after the map or the method's end.
        /// Every such exit not already preceded by the release gets one — unless a release elsewhere
        /// (inside a branch that falls through) makes the end of the method ambiguous.
        /// </summary>
        private static bool FindUnmarkedExits(SemanticModel model, SyntaxNode member, MapCall map, List<(StatementSyntax Statement, bool Before)> exits, CancellationToken cancellationToken)
        {
            var body = BodyOf(member);
            if (body is null || map.Handle is null)
            {
                return false;
            }

            var handle = map.Handle.WithoutTrivia().ToString();
            if (HandedOnAfter(model, body, map, handle, cancellationToken))
            {
                // Which of the unmarked exits come after the device (or a callee) took the mapping is a question of paths the
                // analyzer answered and the diagnostic did not say: an unmap there would pull the buffer from under the device.
                return false;
            }

            var releases = body.DescendantNodes().OfType<InvocationExpressionSyntax>()
                .Where(i => i.SpanStart > map.Call.Span.End && IsRelease(model, i, handle, cancellationToken))
                .Select(i => i.FirstAncestorOrSelf<StatementSyntax>())
                .ToList();
            foreach (var bare in body.DescendantNodes().OfType<ReturnStatementSyntax>())
            {
                if (bare.Expression is not null || bare.SpanStart < map.Call.Span.End || IsInFailureCheck(model, bare, handle, cancellationToken)
                    || bare.Ancestors().TakeWhile(a => a != body).Any(a => a is AnonymousFunctionExpressionSyntax || a is LocalFunctionStatementSyntax))
                {
                    continue;
                }

                var previous = PreviousStatement(bare);
                if (previous is null || !releases.Contains(previous))
                {
                    exits.Add((bare, true));
                }
            }

            var last = body.Statements.LastOrDefault();
            if (last is not null && !(last is ReturnStatementSyntax) && !(last is ThrowStatementSyntax) && !releases.Contains(last))
            {
                if (releases.Any(r => r is not null && !(NextStatement(r) is ReturnStatementSyntax || NextStatement(r) is ThrowStatementSyntax)))
                {
                    return false;
                }

                exits.Add((last, false));
            }

            return exits.Count > 0;
        }

        /// <summary>
        /// True when, after the map, the handle or a value read from it (<c>a.Value</c>) is handed on: passed to anything but
        /// the DMA API (a posting call, a descriptor's constructor), stored, returned, or used by a lambda or local function.
        /// </summary>
        private static bool HandedOnAfter(SemanticModel model, BlockSyntax body, MapCall map, string handle, CancellationToken cancellationToken)
        {
            foreach (var use in body.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (use.SpanStart < map.Call.Span.End || use.Identifier.ValueText != handle)
                {
                    continue;
                }

                if (use.Ancestors().TakeWhile(a => a != body).Any(a => a is AnonymousFunctionExpressionSyntax || a is LocalFunctionStatementSyntax))
                {
                    return true;
                }

                ExpressionSyntax top = use;
                while (top.Parent is MemberAccessExpressionSyntax access && access.Expression == top || top.Parent is BinaryExpressionSyntax
                    || top.Parent is CastExpressionSyntax || top.Parent is ParenthesizedExpressionSyntax || top.Parent is CheckedExpressionSyntax
                    || top.Parent is ConditionalExpressionSyntax conditional && conditional.Condition != top)
                {
                    top = (ExpressionSyntax)top.Parent;
                }

                switch (top.Parent)
                {
                    case ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax call } when FrameworkRoles.IsDmaApiCall(model, call, cancellationToken):
                        continue;
                    case ArgumentSyntax _:
                    case AssignmentExpressionSyntax assignment when assignment.Right == top:
                    case EqualsValueClauseSyntax _:
                    case ReturnStatementSyntax _:
                    case ArrowExpressionClauseSyntax _:
                    case YieldStatementSyntax _:
                    case InitializerExpressionSyntax _:
                    case TupleExpressionSyntax _:
                        return true;
                }
            }

            return false;
        }

        private static bool IsRelease(SemanticModel model, InvocationExpressionSyntax invocation, string handle, CancellationToken cancellationToken) =>
            FrameworkRoles.IsCallOn(model, invocation, Analyzers.Symbols.DmaRole.Unmap | Analyzers.Symbols.DmaRole.CoherentFree, handle, cancellationToken);

        private static bool IsInFailureCheck(SemanticModel model, StatementSyntax statement, string handle, CancellationToken cancellationToken) =>
            statement.Ancestors().OfType<IfStatementSyntax>().Any(i =>
                i.Statement.Span.Contains(statement.Span) && FrameworkRoles.TestsCheckOf(model, i.Condition, handle, cancellationToken));

        private static StatementSyntax? PreviousStatement(StatementSyntax statement)
        {
            var list = statement.Parent switch
            {
                BlockSyntax block => block.Statements,
                SwitchSectionSyntax section => section.Statements,
                _ => default,
            };
            var index = list.IndexOf(statement);
            return index > 0 ? list[index - 1] : null;
        }

        private static StatementSyntax? NextStatement(StatementSyntax statement)
        {
            SyntaxList<StatementSyntax> list;
            switch (statement.Parent)
            {
                case BlockSyntax block:
                    list = block.Statements;
                    break;
                case SwitchSectionSyntax section:
                    list = section.Statements;
                    break;
                default:
                    return null;
            }

            var index = list.IndexOf(statement);
            return index >= 0 && index + 1 < list.Count ? list[index + 1] : null;
        }

        /// <summary>The call that releases what <paramref name="map"/> made, valid at <paramref name="position"/>, or null.</summary>
        internal static StatementSyntax? Release(SemanticModel model, MapCall map, SyntaxNode? member, int position, CancellationToken cancellationToken)
        {
            if (member is null || !Stable.IsStable(model, map.Receiver, member, cancellationToken) || !Stable.IsInScope(model, map.Receiver, position, cancellationToken))
            {
                return null;
            }

            if (map.IsCoherent)
            {
                return map.HandleUsableAt(model, member, position, cancellationToken)
                    ? Statements.Parse($"{map.Receiver.WithoutTrivia()}.FreeCoherent({map.Handle!.WithoutTrivia()});")
                    : null;
            }

            var direction = map.Direction;
            if (direction is null || !Stable.IsStable(model, direction, member, cancellationToken) || !Stable.IsInScope(model, direction, position, cancellationToken))
            {
                return null;
            }

            if (map.IsScatterGather)
            {
                var list = map.Buffer;
                return list is not null && Stable.IsStable(model, list, member, cancellationToken) && Stable.IsInScope(model, list, position, cancellationToken)
                    ? Statements.Parse($"{map.Receiver.WithoutTrivia()}.UnmapSg({list.WithoutTrivia()}, {direction.WithoutTrivia()});")
                    : null;
            }

            if (!map.HandleUsableAt(model, member, position, cancellationToken) || !map.LengthUsableAt(model, member, position, cancellationToken))
            {
                return null;
            }

            if (map.IsConfigured)
            {
                // The configured framework's own unmap, its parameters filled from the map call.
                var unmap = RoleCall.Build(model, map, Analyzers.Symbols.DmaRole.Unmap, map.Handle!.WithoutTrivia().ToString(), cancellationToken);
                return unmap is null ? null : Statements.Parse(unmap + ";");
            }

            return Statements.Parse($"{map.Receiver.WithoutTrivia()}.UnmapSingle({map.Handle!.WithoutTrivia()}, {map.LengthText}, {direction.WithoutTrivia()});");
        }

        private static BlockSyntax? BodyOf(SyntaxNode? member) => member switch
        {
            BaseMethodDeclarationSyntax method => method.Body,
            LocalFunctionStatementSyntax local => local.Body,
            AccessorDeclarationSyntax accessor => accessor.Body,
            AnonymousFunctionExpressionSyntax lambda => lambda.Body as BlockSyntax,
            _ => null,
        };
    }
}
