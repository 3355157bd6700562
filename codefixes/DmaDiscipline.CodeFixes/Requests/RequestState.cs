using System.Linq;
using System.Threading;
using DmaDiscipline.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace DmaDiscipline.CodeFixes.Requests
{
    /// <summary>
    /// The per-request state a posting method already keeps, found so that a request's mappings can be
    /// kept beside it and unmapped where the driver lets go of the request. Three shapes are understood:
    /// a token array indexed by descriptor id (<see cref="TokenArray"/>), a dictionary keyed by id
    /// (<see cref="TokenDictionary"/>), and a member of per-descriptor records (<see cref="SlotMember"/>).
    /// Each needs a store after the descriptor is written and at least one release elsewhere in the type;
    /// with none of them the DMA001 fix maps and checks only, and says so.
    /// </summary>
    internal abstract class RequestState
    {
        /// <summary>The list of a request's mappings (one per descriptor it posted).</summary>
        public const string ListType = "System.Collections.Generic.List<(DmaDiscipline.Runtime.DmaAddr Address, int Length, DmaDiscipline.Runtime.DmaDirection Direction)>";

        protected RequestState(MethodDeclarationSyntax posting, ExpressionStatementSyntax store, MethodDeclarationSyntax? dispose)
        {
            Posting = posting;
            Store = store;
            Dispose = dispose;
        }

        /// <summary>What the fix's title names as the state the unmap follows (<c>_data</c>, <c>_slots[…].Token</c>).</summary>
        public abstract string Name { get; }

        /// <summary>
        /// Keeps the list named <paramref name="mappingsName"/> (declared in the posting method) with the
        /// request, unmaps it at every release and in the type's <c>Dispose</c>.
        /// </summary>
        public abstract void Apply(DocumentEditor editor, SemanticModel model, string mappingsName, CancellationToken cancellationToken);

        /// <summary>The method that posts the request and stores its state.</summary>
        protected MethodDeclarationSyntax Posting { get; }

        /// <summary>The statement that stores the request state; the mappings are kept right after it.</summary>
        protected ExpressionStatementSyntax Store { get; }

        /// <summary>The type's <c>Dispose</c>, where everything still kept is unmapped (see <see cref="DisposeOf"/>).</summary>
        protected MethodDeclarationSyntax? Dispose { get; }

        /// <summary>
        /// The first request state stored after <paramref name="sink"/> by a statement of a block that holds the sink —
        /// the sink's own block first (a loop that posts one request per round stores it in the round), then the blocks
        /// around it up to the method's body.
        /// </summary>
        public static RequestState? Find(SemanticModel model, MethodDeclarationSyntax method, StatementSyntax sink, CancellationToken cancellationToken)
        {
            var type = method.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (type is null || method.Body is null)
            {
                return null;
            }

            for (var node = sink.Parent; node is not null; node = node.Parent)
            {
                if (node is AnonymousFunctionExpressionSyntax || node is LocalFunctionStatementSyntax)
                {
                    return null; // a request posted from a callback is not this method's request
                }

                if (!(node is BlockSyntax block))
                {
                    continue;
                }

                foreach (var store in block.Statements.OfType<ExpressionStatementSyntax>().Where(s => s.SpanStart > sink.Span.End))
                {
                    var found = TokenArray.Match(model, type, method, store, cancellationToken)
                        ?? TokenDictionary.Match(model, type, method, store, cancellationToken)
                        ?? (RequestState?)SlotMember.Match(model, type, method, store, cancellationToken);
                    if (found is not null)
                    {
                        return found;
                    }
                }

                if (block == method.Body)
                {
                    break;
                }
            }

            return null;
        }

        /// <summary>The block that holds the store: the request's mappings list is declared there, one per request.</summary>
        public BlockSyntax StoreBlock => (BlockSyntax)Store.Parent!;

        /// <summary>Where the store is, for the ways out between a map and it.</summary>
        public int StoreStart => Store.SpanStart;

        /// <summary><c>?</c> where nullable annotations are on at <paramref name="position"/>.</summary>
        protected static string NullableMark(SemanticModel model, int position) =>
            model.GetNullableContext(position).AnnotationsEnabled() ? "?" : string.Empty;

        /// <summary>A name for the list at a release site: the posting method already declares <paramref name="mappingsName"/>.</summary>
        protected static string ReleaseName(SyntaxNode site, MethodDeclarationSyntax posting, string mappingsName)
        {
            var member = site.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? site;
            return member == posting ? Names.Unique(member, "releasedMappings") : Names.Unique(member, mappingsName);
        }

        /// <summary><c>foreach (var mapping in list) dma.UnmapSingle(…)</c>, its loop variable free in <paramref name="site"/>'s member.</summary>
        protected static string UnmapEach(string dma, string list, SyntaxNode site)
        {
            var member = site.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? site;
            var mapping = Names.Unique(member, "mapping");
            return $"foreach (var {mapping} in {list})\n{{\n{dma}.UnmapSingle({mapping}.Address, {mapping}.Length, {mapping}.Direction);\n}}";
        }

        /// <summary>
        /// <c>if (kept is { } released) { unmap each; kept = null; }</c>: releases the mappings kept
        /// in <paramref name="kept"/>, if any, and clears it.
        /// </summary>
        protected static string ReleaseKept(string dma, string kept, string released, SyntaxNode site) =>
            $"if ({kept} is {{ }} {released})\n{{\n{UnmapEach(dma, released, site)}\n\n{kept} = null;\n}}";

        /// <summary>The type's parameterless <c>Dispose</c> with a block body, where everything still kept is unmapped.</summary>
        protected static MethodDeclarationSyntax? DisposeOf(TypeDeclarationSyntax type) =>
            type.Members.OfType<MethodDeclarationSyntax>().FirstOrDefault(m => m.Identifier.ValueText == "Dispose" && m.ParameterList.Parameters.Count == 0 && m.Body is not null);

        /// <summary>Inserts <paramref name="statements"/> first in <paramref name="dispose"/>'s body.</summary>
        protected static void PrependTo(DocumentEditor editor, MethodDeclarationSyntax? dispose, params StatementSyntax[] statements)
        {
            if (dispose?.Body is not { } body)
            {
                return;
            }

            if (body.Statements.Count > 0)
            {
                Statements.InsertBefore(editor, body.Statements[0], statements);
            }
            else
            {
                editor.ReplaceNode(body, (current, _) => ((BlockSyntax)current).AddStatements(statements).WithAdditionalAnnotations(Formatter.Annotation));
            }
        }

        /// <summary>A release assigns null or default.</summary>
        protected static bool IsCleared(ExpressionSyntax value) =>
            value.IsKind(SyntaxKind.NullLiteralExpression) || value.IsKind(SyntaxKind.DefaultLiteralExpression);

        /// <summary>The field's single-variable declaration in <paramref name="tree"/>, or null.</summary>
        protected static FieldDeclarationSyntax? DeclarationOf(IFieldSymbol field, SyntaxTree tree, CancellationToken cancellationToken)
        {
            var declarator = field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as VariableDeclaratorSyntax;
            var declaration = declarator?.FirstAncestorOrSelf<FieldDeclarationSyntax>();
            return declaration is null || declaration.SyntaxTree != tree || declaration.Declaration.Variables.Count != 1 ? null : declaration;
        }
    }
}
