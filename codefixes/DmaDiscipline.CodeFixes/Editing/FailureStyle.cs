using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>
    /// How a method reports failure, read from the method itself: an error-code method (one that returns a
    /// negative code) returns the out-of-memory code of its file — an integer constant named like <c>ENOMEM</c>
    /// (<c>return -ENOMEM;</c> for a positive errno, as Linux does) — never a copy of whatever other code it
    /// returns; a <c>bool</c> method returns <c>false</c>, a reference-returning one that returns <c>null</c>
    /// returns <c>null</c>; otherwise (an error-code method with no such constant too) it throws.
    /// </summary>
    internal static class FailureStyle
    {
        /// <summary>The statement that leaves <paramref name="at"/>'s method on a failed mapping (for an async method, as its task's result), or null inside a lambda or an iterator.</summary>
        public static StatementSyntax? For(SemanticModel model, SyntaxNode at, string what, CancellationToken cancellationToken)
        {
            var member = at.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax || a is LocalFunctionStatementSyntax || a is AccessorDeclarationSyntax || a is AnonymousFunctionExpressionSyntax)
                ?? at.Ancestors().OfType<GlobalStatementSyntax>().FirstOrDefault()?.Parent;
            if (member is null || member is AnonymousFunctionExpressionSyntax)
            {
                return null;
            }

            // Top-level statements are the body of the entry point the compiler makes of them (void, int, Task or Task<int>).
            var symbol = member is CompilationUnitSyntax
                ? model.GetEnclosingSymbol(at.SpanStart, cancellationToken) as IMethodSymbol
                : model.GetDeclaredSymbol(member, cancellationToken) as IMethodSymbol;
            if (symbol is null || member.DescendantNodes(n => !IsOtherMember(n, member)).OfType<YieldStatementSyntax>().Any())
            {
                return null;
            }

            // An async method returns its task's result: `return false;` in an async Task<bool>; a plain Task throws.
            var returnType = symbol.IsAsync ? AwaitedResult(symbol.ReturnType) : symbol.ReturnType;
            if (returnType is null)
            {
                return Throw(what);
            }

            var returns = member.DescendantNodes(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax || IsOtherMember(n, member)))
                .OfType<ReturnStatementSyntax>()
                .Where(r => r.Expression is not null)
                .Select(r => r.Expression!)
                .ToList();

            switch (returnType.SpecialType)
            {
                case SpecialType.System_Boolean:
                    return Return(SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression));
                case SpecialType.System_Int32:
                case SpecialType.System_Int64:
                case SpecialType.System_Int16:
                case SpecialType.System_SByte:
                    {
                        // An error-code method fails a mapping with its out-of-memory code: the file's ENOMEM-style constant.
                        if (returns.Any(r => IsErrorCode(model, r, cancellationToken)) && OutOfMemoryCode(model, member, cancellationToken) is { } code)
                        {
                            return Return(code);
                        }

                        break;
                    }
            }

            if (!returnType.IsValueType && returnType.SpecialType != SpecialType.System_Void
                && returns.Any(r => r.IsKind(SyntaxKind.NullLiteralExpression) || r.IsKind(SyntaxKind.DefaultLiteralExpression)))
            {
                return Return(SyntaxFactory.LiteralExpression(SyntaxKind.NullLiteralExpression));
            }

            return Throw(what);
        }

        // A program's top-level statements are read without the types and methods declared beside them.
        private static bool IsOtherMember(SyntaxNode node, SyntaxNode member) =>
            node != member && node is MemberDeclarationSyntax and not GlobalStatementSyntax;

        /// <summary><c>-ENOMEM</c> (or <c>Errno.ENOMEM</c> when negative): an integer constant of the file whose name says out of memory.</summary>
        private static ExpressionSyntax? OutOfMemoryCode(SemanticModel model, SyntaxNode member, CancellationToken cancellationToken)
        {
            var root = member.SyntaxTree.GetRoot(cancellationToken);
            foreach (var declarator in root.DescendantNodes().OfType<VariableDeclaratorSyntax>())
            {
                var name = declarator.Identifier.ValueText.ToUpperInvariant().Replace("_", string.Empty);
                if (!(name == "ENOMEM" || name == "NOMEM" || name.EndsWith("OUTOFMEMORY", System.StringComparison.Ordinal) || name.EndsWith("NOMEMORY", System.StringComparison.Ordinal))
                    || !(model.GetDeclaredSymbol(declarator, cancellationToken) is IFieldSymbol { IsConst: true } field)
                    || !(field.ConstantValue is int value) || value == 0)
                {
                    continue;
                }

                var type = (model.GetDeclaredSymbol(member, cancellationToken) as IMethodSymbol)?.ContainingType;
                var reference = SymbolEqualityComparer.Default.Equals(type, field.ContainingType) ? field.Name : field.ContainingType.ToDisplayString() + "." + field.Name;
                return SyntaxFactory.ParseExpression(value > 0 ? "-" + reference : reference).WithAdditionalAnnotations(Simplifier.Annotation);
            }

            return null;
        }

        private static bool IsErrorCode(SemanticModel model, ExpressionSyntax expression, CancellationToken cancellationToken)
        {
            if (expression.IsKind(SyntaxKind.UnaryMinusExpression))
            {
                return true;
            }

            var constant = model.GetConstantValue(expression, cancellationToken);
            return constant.HasValue && constant.Value is int value && value < 0
                || constant.HasValue && constant.Value is long longValue && longValue < 0;
        }

        /// <summary>The <c>T</c> of an async method's <c>Task&lt;T&gt;</c>/<c>ValueTask&lt;T&gt;</c> (any awaitable generic task type); null for a task with no result or <c>async void</c>.</summary>
        private static ITypeSymbol? AwaitedResult(ITypeSymbol returnType) =>
            returnType is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } task
            && (task.Name == "Task" || task.Name == "ValueTask")
            && task.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks"
                ? task.TypeArguments[0]
                : null;

        private static StatementSyntax Return(ExpressionSyntax value) =>
            SyntaxFactory.ReturnStatement(value).WithAdditionalAnnotations(Formatter.Annotation);

        private static StatementSyntax Throw(string what)
        {
            var type = SyntaxFactory.ParseTypeName("System.InvalidOperationException")
                .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
            var message = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(what));
            return SyntaxFactory.ThrowStatement(
                    SyntaxFactory.ObjectCreationExpression(type)
                        .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(message)))))
                .WithAdditionalAnnotations(Formatter.Annotation);
        }
    }
}
