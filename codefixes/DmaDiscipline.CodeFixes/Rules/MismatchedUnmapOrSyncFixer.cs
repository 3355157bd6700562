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
    /// DMA004: replaces the length or direction an unmap/sync was given with the one its map was
    /// given, when the map's expression means the same at the unmap (a constant, an unchanged local,
    /// a field). The informational "sync for CPU of a ToDevice mapping" report has no fix.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MismatchedUnmapOrSyncFixer)), Shared]
    public sealed class MismatchedUnmapOrSyncFixer : DmaFixer
    {
        public const string EquivalenceKey = RuleIdentifiers.MismatchedUnmapOrSync + ".AlignWithMap";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.MismatchedUnmapOrSync);

        internal override PlannedFix? Plan(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (diagnostic.Severity != DiagnosticSeverity.Warning)
            {
                return null;
            }

            var map = MapCall.Find(model, root, diagnostic.AdditionalLocations.FirstOrDefault(), cancellationToken);
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var argument = node.FirstAncestorOrSelf<ArgumentSyntax>();
            if (map is null || !map.IsStreaming || argument is null || !(argument.Parent?.Parent is InvocationExpressionSyntax call)
                || !(model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol method))
            {
                return null;
            }

            var parameter = argument.ParameterOf(method);
            if (parameter is null)
            {
                return null;
            }

            var symbols = RuntimeSymbols.From(model.Compilation);
            var roles = FrameworkRoles.For(model.Compilation, cancellationToken);
            var isDirection = RuntimeSymbols.Is(parameter.Type, symbols.Direction) || map.IsConfigured && roles.IsDirectionType(parameter.Type);
            var isLength = parameter.Name == "length" || map.IsConfigured && Analyzers.Symbols.DmaSymbols.IsLengthParameter(parameter);
            var replacement = isDirection ? map.Direction : isLength ? map.Length : null;
            var member = call.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax || a is LocalFunctionStatementSyntax);
            if (replacement is null || member is null)
            {
                return null;
            }

            if (isLength)
            {
                // A computed length is kept in a local by the map and passed from there (LengthLocal), or no fix.
                if (!map.LengthUsableAt(model, member, argument.SpanStart, cancellationToken))
                {
                    return null;
                }
            }
            else if (!Stable.IsStable(model, replacement, member, cancellationToken) || !Stable.IsInScope(model, replacement, argument.SpanStart, cancellationToken))
            {
                return null;
            }

            var what = isDirection ? "direction" : "length";
            var text = isLength ? map.LengthText! : replacement.WithoutTrivia().ToString();
            var newExpression = SyntaxFactory.ParseExpression(text).WithTriviaFrom(argument.Expression).WithAdditionalAnnotations(Formatter.Annotation);
            var kept = isLength ? map.KeptLength : null;
            return new PlannedFix(
                $"Use the map's {what} ({(kept is null ? text : replacement.WithoutTrivia() + ", kept in '" + kept.Name + "'")})",
                EquivalenceKey,
                "align@" + argument.SpanStart,
                editor =>
                {
                    kept?.Apply(editor);
                    editor.ReplaceNode(argument.Expression, newExpression);
                });
        }
    }
}
