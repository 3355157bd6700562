using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.CodeFixes.Mapping
{
    /// <summary>
    /// A call that creates a mapping (<c>MapSingle</c>, <c>MapSg</c>) or coherent buffer
    /// (<c>AllocCoherent</c>), with the pieces a fix reuses: the <c>DmaApi</c> it was made on, its
    /// length and direction arguments, the statement that makes it and where its handle is kept.
    /// </summary>
    internal sealed class MapCall
    {
        private MapCall(InvocationExpressionSyntax call, IMethodSymbol method, ExpressionSyntax receiver, StatementSyntax statement, ExpressionSyntax? handle, VariableDeclaratorSyntax? declarator)
        {
            Declarator = declarator;
            Call = call;
            Method = method;
            Receiver = receiver;
            Statement = statement;
            Handle = handle;
        }

        public InvocationExpressionSyntax Call { get; }

        public IMethodSymbol Method { get; }

        /// <summary>The DmaApi expression the call was made on (<c>_dma</c>, <c>device.Dma</c>).</summary>
        public ExpressionSyntax Receiver { get; }

        /// <summary>The statement that makes the mapping.</summary>
        public StatementSyntax Statement { get; }

        /// <summary>
        /// Where the returned handle lives afterwards, as an expression to name it by: the local it
        /// initialises or the variable/field it is assigned to (for MapSg: the scatter list mapped in place).
        /// Null when the result is not kept.
        /// </summary>
        public ExpressionSyntax? Handle { get; }

        /// <summary>The local declaration the handle is kept in, when it is one.</summary>
        public VariableDeclaratorSyntax? Declarator { get; }

        /// <summary>
        /// Whether <see cref="Handle"/> names this mapping at <paramref name="position"/>: the local is in scope
        /// and never reassigned, or the assigned variable/field is stable in <paramref name="member"/>.
        /// </summary>
        public bool HandleUsableAt(SemanticModel model, SyntaxNode member, int position, CancellationToken cancellationToken)
        {
            if (Handle is null)
            {
                return false;
            }

            if (Declarator is not null)
            {
                var local = model.GetDeclaredSymbol(Declarator, cancellationToken);
                if (local is null || Editing.Stable.IsWritten(model, local, member, cancellationToken))
                {
                    return false;
                }

                foreach (var visible in model.LookupSymbols(position, name: local.Name))
                {
                    if (SymbolEqualityComparer.Default.Equals(visible, local))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (Handle is IdentifierNameSyntax name && model.GetSymbolInfo(name, cancellationToken).Symbol is ILocalSymbol assigned)
            {
                // A local assigned by the map itself: usable while nothing else assigns it.
                return !Editing.Stable.IsWritten(model, assigned, member, cancellationToken, except: Handle.Parent)
                    && Editing.Stable.IsInScope(model, Handle, position, cancellationToken);
            }

            return Editing.Stable.IsStable(model, Handle, member, cancellationToken) && Editing.Stable.IsInScope(model, Handle, position, cancellationToken);
        }

        /// <summary>A map of a framework configured by a symbols file or <c>[DmaApiRole]</c>, not the runtime's <c>DmaApi</c>.</summary>
        public bool IsConfigured { get; private set; }

        public bool IsStreaming => IsConfigured || Method.Name == "MapSingle";

        public bool IsScatterGather => Method.Name == "MapSg";

        public bool IsCoherent => Method.Name == "AllocCoherent";

        public ExpressionSyntax? Argument(string parameterName) => ArgumentOf(Call, Method, parameterName);

        public ExpressionSyntax? Length => IsConfigured ? ArgumentWhere(p => Analyzers.Symbols.DmaSymbols.IsLengthParameter(p)) : Argument("length");

        /// <summary>The local a fix keeps a computed length in (see <see cref="LengthLocal"/>), once a fix has decided on one.</summary>
        public LengthLocal? KeptLength { get; set; }

        /// <summary>What an unmap or sync of this mapping passes as the length: the kept local, else the map's own argument.</summary>
        public string? LengthText => KeptLength?.Name ?? Length?.WithoutTrivia().ToString();

        /// <summary>
        /// Whether an unmap or sync at <paramref name="position"/> can pass this mapping's length: the map's argument when it
        /// is stable and visible there, else a local kept for it (<see cref="KeptLength"/>, decided here) visible there.
        /// </summary>
        public bool LengthUsableAt(SemanticModel model, SyntaxNode member, int position, CancellationToken cancellationToken)
        {
            if (Length is null)
            {
                return false;
            }

            if (KeptLength is null && Editing.Stable.IsStable(model, Length, member, cancellationToken) && Editing.Stable.IsInScope(model, Length, position, cancellationToken))
            {
                return true;
            }

            KeptLength ??= LengthLocal.For(model, this, member, cancellationToken);
            return KeptLength is not null && KeptLength.VisibleAt(position);
        }

        public ExpressionSyntax? Direction => IsConfigured ? ArgumentWhere(p => p.Type.TypeKind == TypeKind.Enum && p.Type.Name.EndsWith("Direction", System.StringComparison.Ordinal)) : Argument("direction");

        /// <summary>The mapped buffer: the runtime's <c>buffer</c>/<c>list</c>, a configured map's first parameter (as the rules read it).</summary>
        public ExpressionSyntax? Buffer => IsConfigured ? (Method.Parameters.Length > 0 ? Argument(Method.Parameters[0].Name) : null) : IsScatterGather ? Argument("list") : Argument("buffer");

        private ExpressionSyntax? ArgumentWhere(System.Func<IParameterSymbol, bool> wanted)
        {
            var parameter = Method.Parameters.FirstOrDefault(wanted);
            return parameter is null ? null : Argument(parameter.Name);
        }

        public static MapCall? Find(SemanticModel model, SyntaxNode root, Location? location, CancellationToken cancellationToken)
        {
            if (location is null || !location.IsInSource || location.SourceTree != root.SyntaxTree)
            {
                return null;
            }

            var node = root.FindNode(location.SourceSpan, getInnermostNodeForTie: true);
            var call = node as InvocationExpressionSyntax ?? node.FirstAncestorOrSelf<InvocationExpressionSyntax>();
            return call is null ? null : From(model, call, cancellationToken);
        }

        public static MapCall? From(SemanticModel model, InvocationExpressionSyntax call, CancellationToken cancellationToken)
        {
            var symbols = RuntimeSymbols.From(model.Compilation);
            if (!(model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol method) || !(call.Expression is MemberAccessExpressionSyntax access))
            {
                return null;
            }

            // A configured framework's map (symbols file, [DmaApiRole]) that returns its handle: a streaming mapping of that framework.
            var configured = !RuntimeSymbols.Is(method.ContainingType, symbols.DmaApi)
                && !method.ReturnsVoid && method.ReturnType.SpecialType != SpecialType.System_Boolean && method.ReturnType.SpecialType != SpecialType.System_Int32
                && (FrameworkRoles.RolesOf(model, method, cancellationToken) & Analyzers.Symbols.DmaRole.Map) != 0;
            if (!(configured || symbols.IsDmaApiMethod(method, "MapSingle") || symbols.IsDmaApiMethod(method, "MapSg") || symbols.IsDmaApiMethod(method, "AllocCoherent")))
            {
                return null;
            }

            var statement = call.FirstAncestorOrSelf<StatementSyntax>();
            if (statement is null)
            {
                return null;
            }

            ExpressionSyntax? handle = null;
            VariableDeclaratorSyntax? handleDeclarator = null;
            var parent = call.WalkUpParentheses().Parent;
            if (method.Name == "MapSg")
            {
                handle = ArgumentOf(call, method, "list");
            }
            else if (parent is EqualsValueClauseSyntax equals && equals.Parent is VariableDeclaratorSyntax declarator)
            {
                handle = SyntaxFactory.IdentifierName(declarator.Identifier.ValueText);
                handleDeclarator = declarator;
            }
            else if (parent is AssignmentExpressionSyntax assignment && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && assignment.Right.WalkDownParentheses() == call)
            {
                handle = assignment.Left;
            }

            return new MapCall(call, method, access.Expression, statement, handle, handleDeclarator) { IsConfigured = configured };
        }

        public static ExpressionSyntax? ArgumentOf(InvocationExpressionSyntax call, IMethodSymbol method, string parameterName)
        {
            var arguments = call.ArgumentList.Arguments;
            for (var i = 0; i < arguments.Count; i++)
            {
                var argument = arguments[i];
                if (argument.NameColon is not null)
                {
                    if (argument.NameColon.Name.Identifier.ValueText == parameterName)
                    {
                        return argument.Expression;
                    }

                    continue;
                }

                if (i < method.Parameters.Length && method.Parameters[i].Name == parameterName)
                {
                    return argument.Expression;
                }
            }

            return null;
        }
    }
}
