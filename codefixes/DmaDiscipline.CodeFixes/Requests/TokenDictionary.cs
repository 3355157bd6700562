using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Mapping;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace DmaDiscipline.CodeFixes.Requests
{
    /// <summary>
    /// A dictionary of requests keyed by id: the posting method stores <c>_inflight[id] = request</c>
    /// (or <c>Add</c>/<c>TryAdd</c>), a completion path removes it (<c>_inflight.Remove(id…)</c>) or
    /// clears them all. The mappings go into a parallel dictionary with the same key, unmapped where the
    /// request is removed, cleared, and in <c>Dispose</c>. Every removal must name its key plainly
    /// (a stable expression), or the shape is not taken: a removal the fix cannot follow would leak.
    /// </summary>
    internal sealed class TokenDictionary : RequestState
    {
        private const string DictionaryName = "System.Collections.Generic.Dictionary`2";

        private TokenDictionary(IFieldSymbol field, FieldDeclarationSyntax declaration, MethodDeclarationSyntax posting, ExpressionStatementSyntax store, ExpressionSyntax key, IReadOnlyList<(StatementSyntax Statement, ExpressionSyntax? Key)> releases, MethodDeclarationSyntax? dispose)
            : base(posting, store, dispose)
        {
            Field = field;
            Declaration = declaration;
            Key = key;
            Releases = releases;
        }

        public override string Name => Field.Name;

        private IFieldSymbol Field { get; }

        private FieldDeclarationSyntax Declaration { get; }

        private ExpressionSyntax Key { get; }

        /// <summary>Removals (with their key) and clears (key null), each with the statement to release before.</summary>
        private IReadOnlyList<(StatementSyntax Statement, ExpressionSyntax? Key)> Releases { get; }

        public static TokenDictionary? Match(SemanticModel model, TypeDeclarationSyntax type, MethodDeclarationSyntax method, ExpressionStatementSyntax store, CancellationToken cancellationToken)
        {
            ExpressionSyntax? target;
            ExpressionSyntax? key;
            switch (store.Expression)
            {
                case AssignmentExpressionSyntax { Left: ElementAccessExpressionSyntax element } assignment
                    when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && !IsCleared(assignment.Right) && element.ArgumentList.Arguments.Count == 1:
                    target = element.Expression;
                    key = element.ArgumentList.Arguments[0].Expression;
                    break;
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Add" or "TryAdd" } add } call
                    when call.ArgumentList.Arguments.Count == 2:
                    target = add.Expression;
                    key = call.ArgumentList.Arguments[0].Expression;
                    break;
                default:
                    return null;
            }

            if (!(model.GetSymbolInfo(target, cancellationToken).Symbol is IFieldSymbol field) || !IsDictionary(model, field.Type)
                || !Stable.IsStable(model, key, method, cancellationToken))
            {
                return null;
            }

            var releases = new List<(StatementSyntax, ExpressionSyntax?)>();
            foreach (var call in type.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (!(call.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Remove" or "Clear" } access)
                    || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(access.Expression, cancellationToken).Symbol, field))
                {
                    continue;
                }

                var statement = call.FirstAncestorOrSelf<StatementSyntax>();
                var member = call.FirstAncestorOrSelf<MemberDeclarationSyntax>();
                var removedKey = access.Name.Identifier.ValueText == "Remove" ? call.ArgumentList.Arguments.FirstOrDefault()?.Expression : null;
                var plain = statement is ExpressionStatementSyntax { Parent: BlockSyntax } || statement is IfStatementSyntax { Parent: BlockSyntax } conditional && conditional.Condition.Contains(call);
                if (statement is null || member is null || !plain
                    || access.Name.Identifier.ValueText == "Remove" && (removedKey is null || !Stable.IsStable(model, removedKey, member, cancellationToken)))
                {
                    // A removal the fix cannot release before (inside an expression, a lambda, by a computed key).
                    return null;
                }

                releases.Add((statement, removedKey));
            }

            var declaration = DeclarationOf(field, method.SyntaxTree, cancellationToken);
            return releases.Count == 0 || declaration is null
                ? null
                : new TokenDictionary(field, declaration, method, store, key, releases, DisposeOf(type));
        }

        public override void Apply(DocumentEditor editor, SemanticModel model, string mappingsName, CancellationToken cancellationToken)
        {
            var fieldName = Names.Unique(Declaration.Parent!, Field.Name + "Mappings");
            var keyType = ((INamedTypeSymbol)Field.Type).TypeArguments[0].ToMinimalDisplayString(model, Declaration.SpanStart);
            var type = $"System.Collections.Generic.Dictionary<{keyType}, {ListType}>";
            var modifiers = string.Join(" ", Declaration.Modifiers.Select(m => m.ValueText));
            var field = Names.Simplified((MemberDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration($"{modifiers} {type} {fieldName} = new {type}();")!)
                .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"))
                .WithAdditionalAnnotations(Formatter.Annotation);
            editor.InsertAfter(Declaration, field);
            Statements.InsertAfter(editor, Store, new[] { Statements.Parse($"{fieldName}[{Key.WithoutTrivia()}] = {mappingsName};") });

            var disposes = Dispose?.Body is { } disposeBody && DmaApiSource.At(model, disposeBody, cancellationToken) is not null;
            foreach (var (statement, key) in Releases)
            {
                if (key is null && disposes && Dispose!.Contains(statement))
                {
                    continue; // Dispose releases everything first
                }

                if (DmaApiSource.At(model, statement, cancellationToken) is { } dma)
                {
                    Statements.InsertBefore(editor, statement, Release(dma, fieldName, key, statement, mappingsName));
                }
            }

            if (Dispose?.Body is { } body && DmaApiSource.At(model, body, cancellationToken) is { } disposeDma)
            {
                PrependTo(editor, Dispose, Release(disposeDma, fieldName, key: null, body, mappingsName));
            }
        }

        /// <summary>Unmaps the request removed by <paramref name="key"/>, or — for a clear (key null) — every request kept.</summary>
        private StatementSyntax[] Release(string dma, string fieldName, ExpressionSyntax? key, SyntaxNode site, string mappingsName)
        {
            var released = ReleaseName(site, Posting, mappingsName);
            return key is null
                ? new[]
                {
                    Statements.Parse($"foreach (var {released} in {fieldName}.Values)\n{{\n{UnmapEach(dma, released, site)}\n}}"),
                    Statements.Parse($"{fieldName}.Clear();"),
                }
                : new[] { Statements.Parse($"if ({fieldName}.Remove({key.WithoutTrivia()}, out var {released}))\n{{\n{UnmapEach(dma, released, site)}\n}}") };
        }

        private static bool IsDictionary(SemanticModel model, ITypeSymbol type) =>
            type is INamedTypeSymbol { IsGenericType: true } named
            && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, model.Compilation.GetTypeByMetadataName(DictionaryName));
    }
}
