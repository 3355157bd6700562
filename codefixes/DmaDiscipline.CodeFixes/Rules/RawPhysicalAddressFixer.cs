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
    /// DMA001: a raw physical address reaches a device. The rewrite depends on where the memory lives:
    /// <list type="bullet">
    /// <item>Ring memory — a <c>KBuffer</c> field the type allocates itself and hands the device by
    /// address (descriptor table, queue areas): the field becomes a <c>CoherentBuffer</c> from
    /// <c>AllocCoherent</c>, its addresses come from <c>DmaAddress</c>, its free is <c>FreeCoherent</c>.</item>
    /// <item>A buffer given to the device per request: mapped with <c>MapSingle</c> right before the
    /// descriptor is written, direction from the descriptor's flags (device-writable → FromDevice,
    /// Bidirectional when the CPU filled the buffer first, otherwise ToDevice), checked with
    /// <c>MappingError</c> in the method's failure style, and unmapped: right before the method's CPU
    /// reads the buffer when the request completes in the same method, or — when the method stores
    /// request state that a completion path releases (<see cref="Requests.RequestState"/>) — kept beside
    /// it so the completion path (and the type's Dispose) unmaps it. Otherwise the fix maps and checks
    /// only and its title says that the unmap is not arranged (no diagnostic will point at it).</item>
    /// <item>A list of buffers posted by a loop as consecutive descriptors, completing in the method:
    /// one <c>MapSg</c> where that rewrite is clear (offered before the per-buffer map).</item>
    /// </list>
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RawPhysicalAddressFixer)), Shared]
    public sealed partial class RawPhysicalAddressFixer : DmaFixer
    {
        /// <summary>Ring memory becomes a coherent buffer.</summary>
        public const string CoherentKey = RuleIdentifiers.RawPhysicalAddressToDevice + ".AllocCoherent";

        /// <summary>MapSingle, the mappings kept with the request state and unmapped where it is released.</summary>
        public const string MapKey = RuleIdentifiers.RawPhysicalAddressToDevice + ".MapSingle";

        /// <summary>MapSingle, unmapped in the same method before the CPU reads the result.</summary>
        public const string MapInMethodKey = RuleIdentifiers.RawPhysicalAddressToDevice + ".MapSingleUnmapInMethod";

        /// <summary>MapSingle and the check only; the title says the unmap is not arranged.</summary>
        public const string MapOnlyKey = RuleIdentifiers.RawPhysicalAddressToDevice + ".MapSingleUnmapNotArranged";

        /// <summary>A list of buffers mapped with MapSg, unmapped with UnmapSg before the CPU next reads or writes them.</summary>
        public const string MapSgInMethodKey = RuleIdentifiers.RawPhysicalAddressToDevice + ".MapSgUnmapInMethod";

        /// <summary>
        /// The map-only fix says what it leaves undone. No diagnostic will point at the missing unmap:
        /// the analyzer counts the address written into a device sink as handed on, so DMA002 stays silent;
        /// only the runtime's debug layer reports the leak at unbind.
        /// </summary>
        internal const string MapOnlyTitle = "Map through the DMA API ({0}) and check it (unmap not arranged: unmap it on completion)";

        /// <summary>The buffer is already mapped in the method: its address comes from that mapping.</summary>
        public const string ReuseKey = RuleIdentifiers.RawPhysicalAddressToDevice + ".UseMappingInScope";


        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.RawPhysicalAddressToDevice);

        internal override PlannedFix? Plan(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken) =>
            Plans(model, root, diagnostic, cancellationToken).FirstOrDefault();

        /// <summary>Ring memory: the coherent rewrite. A per-request buffer: a scatter-gather map where the shape is clear, then the per-buffer map.</summary>
        internal override IEnumerable<PlannedFix> Plans(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var origin = diagnostic.AdditionalLocations.FirstOrDefault();
            if (origin is null || origin.SourceTree != root.SyntaxTree)
            {
                yield break;
            }

            var symbols = RuntimeSymbols.From(model.Compilation);
            var sink = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) as ExpressionSyntax;
            var source = root.FindNode(origin.SourceSpan, getInnermostNodeForTie: true) as ExpressionSyntax;
            if (sink is null || source is null || !PhysicalOf(model, source, symbols, cancellationToken, out var buffer, out var offset))
            {
                yield break;
            }

            if (model.GetSymbolInfo(buffer, cancellationToken).Symbol is IFieldSymbol field && RuntimeSymbols.Is(field.Type, symbols.KBuffer))
            {
                if (CoherentRing.Plan(model, root, field, symbols, cancellationToken) is { } coherent)
                {
                    yield return coherent;
                }

                yield break;
            }

            // A buffer the method has already mapped is never mapped again: the address comes from that mapping, or no fix.
            if (MappingInScope.Find(model, sink, source, buffer, offset, cancellationToken) is { } existing)
            {
                if (existing.Plan is { } reuse)
                {
                    yield return reuse;
                }

                yield break;
            }

            if (ScatterGatherMap.Plan(model, sink, source, buffer, offset, cancellationToken) is { } scatterGather)
            {
                yield return scatterGather;
            }

            foreach (var single in StreamingMap.Plans(model, sink, source, buffer, offset, symbols, cancellationToken))
            {
                yield return single;
            }
        }

        /// <summary>
        /// The per-request map for a bus address forged from a buffer's physical address (DMA008) with no mapping of the
        /// buffer in scope: the same fixes as DMA001's at that place, the forged address becoming the mapping's handle.
        /// </summary>
        internal static IEnumerable<PlannedFix> MapForged(SemanticModel model, BaseObjectCreationExpressionSyntax forged, ExpressionSyntax source, ExpressionSyntax buffer, ExpressionSyntax? offset, CancellationToken cancellationToken)
        {
            var symbols = RuntimeSymbols.From(model.Compilation);
            if (model.GetSymbolInfo(buffer, cancellationToken).Symbol is IFieldSymbol field && RuntimeSymbols.Is(field.Type, symbols.KBuffer))
            {
                return Enumerable.Empty<PlannedFix>(); // ring memory: DMA001's coherent rewrite, not a per-request map
            }

            return StreamingMap.Plans(model, forged, source, buffer, offset, symbols, cancellationToken, sinkTakesHandle: true);
        }

        /// <summary>
        /// The buffer and offset a physical-address expression reads: <c>b.PhysicalAddress</c> or
        /// <c>memory.VirtToPhys(b[, offset])</c>.
        /// </summary>
        internal static bool PhysicalOf(SemanticModel model, ExpressionSyntax source, RuntimeSymbols symbols, CancellationToken cancellationToken, out ExpressionSyntax buffer, out ExpressionSyntax? offset)
        {
            buffer = null!;
            offset = null;
            var symbol = model.GetSymbolInfo(source, cancellationToken).Symbol;
            if (source is MemberAccessExpressionSyntax access && symbol is IPropertySymbol property && property.Name == "PhysicalAddress"
                && RuntimeSymbols.Is(property.ContainingType, symbols.KBuffer))
            {
                buffer = access.Expression;
                return true;
            }

            if (source is InvocationExpressionSyntax invocation && symbol is IMethodSymbol method && method.Name == "VirtToPhys"
                && RuntimeSymbols.Is(method.ContainingType, symbols.PhysicalMemory))
            {
                var first = MapCall.ArgumentOf(invocation, method, "buffer");
                if (first is null)
                {
                    return false;
                }

                buffer = first;
                offset = MapCall.ArgumentOf(invocation, method, "offset");
                return true;
            }

            return false;
        }

        /// <summary>The ring-memory rewrite: a KBuffer field becomes coherent memory, every use follows.</summary>
        private static class CoherentRing
        {
            public static PlannedFix? Plan(SemanticModel model, SyntaxNode root, IFieldSymbol field, RuntimeSymbols symbols, CancellationToken cancellationToken)
            {
                if (field.DeclaringSyntaxReferences.Length != 1
                    || !(field.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is VariableDeclaratorSyntax declarator)
                    || declarator.SyntaxTree != root.SyntaxTree
                    || !(declarator.Parent is VariableDeclarationSyntax declaration) || declaration.Variables.Count != 1
                    || declarator.Initializer is not null)
                {
                    return null;
                }

                var type = declarator.FirstAncestorOrSelf<TypeDeclarationSyntax>();
                if (type is null)
                {
                    return null;
                }

                var edits = new List<(SyntaxNode Node, SyntaxNode Replacement)>
                {
                    (declaration.Type, SyntaxFactory.ParseTypeName("CoherentBuffer").WithTriviaFrom(declaration.Type)),
                };
                foreach (var name in type.DescendantNodes().OfType<IdentifierNameSyntax>())
                {
                    if (name.Identifier.ValueText != field.Name || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, field))
                    {
                        continue;
                    }

                    var reference = name.Parent is MemberAccessExpressionSyntax self && self.Name == name && self.Expression is ThisExpressionSyntax ? self : (ExpressionSyntax)name;
                    var edit = Rewrite(model, reference, symbols, cancellationToken);
                    if (edit is null)
                    {
                        return null;
                    }

                    if (edit.Value.Node is not null)
                    {
                        edits.Add((edit.Value.Node, edit.Value.Replacement!));
                    }
                }

                var unused = MadeUnused(model, type, edits.Select(e => e.Node).ToList(), symbols, cancellationToken);
                return new PlannedFix(
                    $"Allocate '{field.Name}' with AllocCoherent (ring memory the device shares, both directions; freed with FreeCoherent where it was freed)",
                    CoherentKey,
                    "coherent@" + field.Name,
                    editor =>
                    {
                        foreach (var (node, replacement) in edits)
                        {
                            editor.ReplaceNode(node, replacement.WithAdditionalAnnotations(Formatter.Annotation));
                        }

                        foreach (var node in unused)
                        {
                            editor.RemoveNode(node, SyntaxRemoveOptions.KeepNoTrivia);
                        }
                    });
            }

            /// <summary>
            /// A <c>PhysicalMemory</c> field of the type that the rewrite leaves with no reader (it was read only to
            /// allocate, translate and free the ring): its declaration and the statements that only assign it go too.
            /// </summary>
            private static List<SyntaxNode> MadeUnused(SemanticModel model, TypeDeclarationSyntax type, List<SyntaxNode> rewritten, RuntimeSymbols symbols, CancellationToken cancellationToken)
            {
                var removed = new List<SyntaxNode>();
                foreach (var declaration in type.Members.OfType<FieldDeclarationSyntax>())
                {
                    if (declaration.Declaration.Variables.Count != 1
                        || !(model.GetDeclaredSymbol(declaration.Declaration.Variables[0], cancellationToken) is IFieldSymbol memory)
                        || !RuntimeSymbols.Is(memory.Type, symbols.PhysicalMemory) || memory.DeclaredAccessibility != Accessibility.Private
                        || memory.DeclaringSyntaxReferences.Length != 1)
                    {
                        continue;
                    }

                    var assignments = new List<SyntaxNode>();
                    var read = false;
                    foreach (var name in type.DescendantNodes().OfType<IdentifierNameSyntax>().Where(n => n.Identifier.ValueText == memory.Name))
                    {
                        if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, memory))
                        {
                            continue;
                        }

                        var reference = name.Parent is MemberAccessExpressionSyntax self && self.Name == name && self.Expression is ThisExpressionSyntax ? self : (ExpressionSyntax)name;
                        if (reference.Parent is AssignmentExpressionSyntax assignment && assignment.Left == reference && assignment.Parent is ExpressionStatementSyntax statement
                            && statement.Parent is BlockSyntax && !assignment.Right.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().Any())
                        {
                            assignments.Add(statement);
                        }
                        else if (!rewritten.Any(r => r.Span.Contains(name.Span)))
                        {
                            read = true;
                        }
                    }

                    if (!read)
                    {
                        removed.Add(declaration);
                        removed.AddRange(assignments);
                    }
                }

                return removed;
            }

            /// <summary>One use of the field: kept (Span, Length, IsFreed), rewritten, or — anything else — no fix.</summary>
            private static (SyntaxNode? Node, SyntaxNode? Replacement)? Rewrite(SemanticModel model, ExpressionSyntax reference, RuntimeSymbols symbols, CancellationToken cancellationToken)
            {
                var parent = reference.Parent;
                switch (parent)
                {
                    case MemberAccessExpressionSyntax member when member.Expression == reference:
                        switch (member.Name.Identifier.ValueText)
                        {
                            case "Span":
                            case "Length":
                            case "IsFreed":
                                return (null, null);
                            case "PhysicalAddress" when member.Parent is MemberAccessExpressionSyntax value && value.Name.Identifier.ValueText == "Value":
                                return (member, SyntaxFactory.ParseExpression($"{reference}.DmaAddress").WithTriviaFrom(member));
                            default:
                                return null;
                        }

                    case AssignmentExpressionSyntax assignment when assignment.Left == reference:
                        {
                            if (!(assignment.Right is InvocationExpressionSyntax allocate) || !(model.GetSymbolInfo(allocate, cancellationToken).Symbol is IMethodSymbol method)
                                || method.Name != "Allocate" || !RuntimeSymbols.Is(method.ContainingType, symbols.PhysicalMemory) || allocate.ArgumentList.Arguments.Count != 1)
                            {
                                return null;
                            }

                            var dma = DmaApiSource.At(model, assignment, cancellationToken);
                            return dma is null ? null : ((SyntaxNode, SyntaxNode)?)(allocate, SyntaxFactory.ParseExpression($"{dma}.AllocCoherent({allocate.ArgumentList.Arguments[0]})").WithTriviaFrom(allocate));
                        }

                    case ArgumentSyntax argument when argument.Parent?.Parent is InvocationExpressionSyntax call
                        && model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol called
                        && RuntimeSymbols.Is(called.ContainingType, symbols.PhysicalMemory):
                        {
                            // Free returns nothing: wherever its call stands alone — a statement, an expression-bodied member
                            // or lambda (`void Dispose() => _memory.Free(_ring);`) — FreeCoherent, which returns nothing too, can.
                            if (called.Name == "Free" && called.ReturnsVoid
                                && (call.Parent is ExpressionStatementSyntax || call.Parent is ArrowExpressionClauseSyntax
                                    || call.Parent is LambdaExpressionSyntax lambda && lambda.Body == call))
                            {
                                var dma = DmaApiSource.At(model, call, cancellationToken);
                                return dma is null ? null : ((SyntaxNode, SyntaxNode)?)(call, SyntaxFactory.ParseExpression($"{dma}.FreeCoherent({reference})").WithTriviaFrom(call));
                            }

                            if (called.Name == "VirtToPhys" && call.Parent is MemberAccessExpressionSyntax value && value.Name.Identifier.ValueText == "Value")
                            {
                                var offset = MapCall.ArgumentOf(call, called, "offset");
                                var text = offset is null ? $"{reference}.DmaAddress.Value" : $"{reference}.DmaAddress.Value + (ulong){Parenthesized(offset)}";
                                var needsParentheses = offset is not null && !(value.Parent is ArgumentSyntax || value.Parent is EqualsValueClauseSyntax
                                    || value.Parent is AssignmentExpressionSyntax whole && whole.Right == value);
                                return (value, SyntaxFactory.ParseExpression(needsParentheses ? $"({text})" : text).WithTriviaFrom(value));
                            }

                            return null;
                        }

                    default:
                        return null;
                }
            }
        }

        internal static string Parenthesized(ExpressionSyntax expression)
        {
            var bare = expression.WithoutTrivia();
            return bare is IdentifierNameSyntax || bare is LiteralExpressionSyntax || bare is MemberAccessExpressionSyntax || bare is ParenthesizedExpressionSyntax || bare is InvocationExpressionSyntax
                ? bare.ToString()
                : "(" + bare + ")";
        }
    }
}
