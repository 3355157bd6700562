using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Per-compilation summaries for <see cref="MappingFlow"/>: what a call of a method of the
    /// compilation does with mappings, read from the callee's body by the same analysis. Does every
    /// return give the caller a fresh mapping (a helper that maps), or one of its parameters back?
    /// Does an out/ref parameter receive a fresh mapping? And for each handle parameter: does the
    /// callee take it over (check, store, return or pass it on on every path), release it on every
    /// path, or only use it (a write into a ring or descriptor is a use, not a check)? Computed on
    /// demand, once per method, through the bodies a call may run (overrides and interface
    /// implementations in the compilation included).
    /// </summary>
    internal sealed class MappingSummaries
    {
        // Call chains followed before giving up (an unknown callee takes what it is given, as before summaries).
        private const int MaxDepth = 4;

        // Rounds of "a method whose body names a method that maps" for the prefilter's names.
        private const int MakerRounds = 3;

        private readonly DmaSymbols _symbols;
        private readonly HashSet<string> _mappingNames;
        private readonly CancellationToken _cancellationToken;
        private readonly ConcurrentDictionary<IMethodSymbol, MappingSummary> _methods = new ConcurrentDictionary<IMethodSymbol, MappingSummary>(SymbolEqualityComparer.Default);
        private readonly CalleeBodies _bodies;
        private readonly object _makersLock = new object();
        private HashSet<string>? _makers;

        public MappingSummaries(DmaSymbols symbols, HashSet<string> mappingNames, CancellationToken cancellationToken)
        {
            _symbols = symbols;
            _mappingNames = mappingNames;
            _cancellationToken = cancellationToken;
            _bodies = new CalleeBodies(symbols.Compilation, cancellationToken);
            Dispatch = new Dispatch(symbols.Compilation, cancellationToken);
        }

        /// <summary>The bodies a call may run.</summary>
        public Dispatch Dispatch { get; }

        /// <summary>The methods summarised so far (each bound once): what the analysis cost, for tests and benchmarks.</summary>
        public int SummarisedCount => _methods.Count;

        /// <summary>The driver's own semantic models, offered by the analyzer: callees in those trees are bound once, not twice.</summary>
        public void Offer(SemanticModel model) => _bodies.Offer(model);

        /// <summary>
        /// The names of the compilation's methods and local functions whose bodies name a map or
        /// alloc, or (for a few rounds) such a method: only a call by one of these names can make a
        /// mapping. A superset, by text, for the prefilter; the summaries decide by symbol.
        /// </summary>
        public HashSet<string> MakerNames
        {
            get
            {
                if (_makers is { } makers)
                {
                    return makers;
                }

                lock (_makersLock)
                {
                    return _makers ??= ComputeMakers();
                }
            }
        }

        /// <summary>
        /// The map and alloc names and <see cref="MakerNames"/>, for the body prefilter's whole-word test:
        /// a body naming none of them makes no mapping.
        /// </summary>
        public WordSet MapOrMakerWords => _mapOrMakerWords ??= new WordSet(_mappingNames.Concat(MakerNames));

        private WordSet? _mapOrMakerWords;

        private HashSet<string> ComputeMakers()
        {
            var makers = new HashSet<string>(System.StringComparer.Ordinal);
            var named = new HashSet<string>(_mappingNames, System.StringComparer.Ordinal);
            for (var round = 0; round < MakerRounds && named.Count > 0; round++)
            {
                var found = new HashSet<string>(System.StringComparer.Ordinal);
                foreach (var tree in _symbols.CodeTrees(_cancellationToken))
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    var text = SourceWords.TextOf(tree);
                    SyntaxNode? root = null;
                    foreach (var name in named)
                    {
                        // From each mention up to the declarations whose body holds it (not a whole tree's nodes:
                        // the mentions are few, a driver's statements many). The mentions come in the order of the
                        // text; each is reached from the last one's path up to the root, through the lowest node of
                        // it that holds the new mention, which shares the rest: N mentions nested N deep cost N, not N².
                        Path? last = null;
                        for (var at = text.IndexOf(name, System.StringComparison.Ordinal); at >= 0; at = at + 1 < text.Length ? text.IndexOf(name, at + 1, System.StringComparison.Ordinal) : -1)
                        {
                            root ??= tree.GetRoot(_cancellationToken);
                            last = PathTo(at, last, root, _pathNodes);
                            for (var declaration = last.Above.Declarations; declaration is not null; declaration = declaration.Next)
                            {
                                var (declared, body) = declaration.Node switch
                                {
                                    MethodDeclarationSyntax method => (method.Identifier.ValueText, (SyntaxNode?)method.Body ?? method.ExpressionBody),
                                    LocalFunctionStatementSyntax local => (local.Identifier.ValueText, (SyntaxNode?)local.Body ?? local.ExpressionBody),
                                    // A delegate field initialised with a lambda that maps: invoking it maps.
                                    VariableDeclaratorSyntax field => (field.Identifier.ValueText, (SyntaxNode?)field.Initializer?.Value),
                                    _ => (string.Empty, null),
                                };
                                if (body is not null && at >= body.SpanStart && at + name.Length <= System.Math.Min(body.Span.End, text.Length) && !makers.Contains(declared))
                                {
                                    found.Add(declared);
                                }
                            }
                        }
                    }
                }

                found.ExceptWith(makers);
                makers.UnionWith(found);
                named = found;
            }

            return makers;
        }

        /// <summary>
        /// The declarations (method, local function, delegate field) at or above a node that can make a mention below it a
        /// maker's: those above the outermost expression holding the node, all of them when no expression holds it (a local
        /// function inside a lambda or another expression is not one).
        /// </summary>
        private sealed class Around
        {
            public Around(bool inExpression, Chain? declarations)
            {
                InExpression = inExpression;
                Declarations = declarations;
            }

            /// <summary>The node is an expression or lies inside one.</summary>
            public bool InExpression { get; }

            public Chain? Declarations { get; }
        }

        /// <summary>Declarations, innermost first; nodes share the chain of what is above them.</summary>
        private sealed class Chain
        {
            public Chain(SyntaxNode node, Chain? next)
            {
                Node = node;
                Next = next;
            }

            public SyntaxNode Node { get; }

            public Chain? Next { get; }
        }

        private static readonly Around AboveRoot = new Around(false, null);

        /// <summary>A node on the way from a mention's token up to the root, with what is above it.</summary>
        private sealed class Path
        {
            public Path(SyntaxNode node, Around above, Path? up)
            {
                Node = node;
                Above = above;
                Up = up;
            }

            public SyntaxNode Node { get; }

            /// <summary>What is at and above <see cref="Node"/> (see <see cref="Around"/>).</summary>
            public Around Above { get; }

            /// <summary>Its parent's; null at the root.</summary>
            public Path? Up { get; }
        }

        // The nodes between a mention's token and the lowest node of the last path that holds it (ComputeMakers, one thread).
        private readonly List<SyntaxNode> _pathNodes = new List<SyntaxNode>();

        /// <summary>
        /// The path from the token holding <paramref name="position"/> up to the root: the part of <paramref name="last"/> (the
        /// path of a mention before it) from its lowest node holding the position, and the nodes below that, each worked out
        /// from its parent. The token is the one the root would give: every node holding the position lies on the root's way down to it.
        /// </summary>
        private static Path PathTo(int position, Path? last, SyntaxNode root, List<SyntaxNode> between)
        {
            var shared = last;
            while (shared is not null && !shared.Node.FullSpan.Contains(position))
            {
                shared = shared.Up;
            }

            var start = shared?.Node ?? root;
            between.Clear();
            for (var node = start.FindToken(position).Parent; node is not null && node != shared?.Node; node = node.Parent)
            {
                between.Add(node);
            }

            var path = shared;
            for (var i = between.Count - 1; i >= 0; i--)
            {
                var node = between[i];
                var above = path?.Above ?? AboveRoot;
                above = above.InExpression || node is ExpressionSyntax
                    ? (above.InExpression ? above : new Around(true, above.Declarations))
                    : IsMakerDeclaration(node) ? new Around(false, new Chain(node, above.Declarations)) : above;
                path = new Path(node, above, path);
            }

            return path!;
        }

        private static bool IsMakerDeclaration(SyntaxNode node) =>
            node is MethodDeclarationSyntax || node is LocalFunctionStatementSyntax || (node is VariableDeclaratorSyntax field && field.Parent?.Parent is FieldDeclarationSyntax);

        private readonly ConcurrentDictionary<IMethodSymbol, IFieldSymbol?> _refFields = new ConcurrentDictionary<IMethodSymbol, IFieldSymbol?>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<IMethodSymbol, ISymbol?[]?> _constructorMembers = new ConcurrentDictionary<IMethodSymbol, ISymbol?[]?>(SymbolEqualityComparer.Default);

        /// <summary>
        /// The field of its own object (or a static field) that every <c>return ref</c> of a non-virtual
        /// ref-returning method of the compilation refers to: a call of it is that field. Null otherwise.
        /// </summary>
        public IFieldSymbol? RefReturnedField(IMethodSymbol method)
        {
            if (!method.ReturnsByRef || method.IsVirtual || method.IsAbstract || method.IsOverride)
            {
                return null;
            }

            return _refFields.GetOrAdd(method.OriginalDefinition, m =>
            {
                IFieldSymbol? field = null;
                if (!(_bodies.BodyOf(m) is { } body))
                {
                    return null;
                }

                foreach (var node in body.Descendants())
                {
                    if (node is IReturnOperation @return)
                    {
                        if (@return.ReturnedValue is null || !(Keys.Unwrap(@return.ReturnedValue) is IFieldReferenceOperation returned)
                            || !(returned.Instance is null || returned.Instance is IInstanceReferenceOperation)
                            || (field is not null && !SymbolEqualityComparer.Default.Equals(field, returned.Field)))
                        {
                            return null;
                        }

                        field = returned.Field;
                    }
                    else if (node is IAnonymousFunctionOperation || node is ILocalFunctionOperation)
                    {
                        return null;
                    }
                }

                return field;
            });
        }

        /// <summary>
        /// The member of the new object each parameter of a constructor of the compilation is stored
        /// into, by ordinal: a statement of the constructor's own block (not under a branch) assigning
        /// the parameter, unchanged, to a field or property of this. Null when there is none.
        /// </summary>
        public ISymbol?[]? MembersSetBy(IMethodSymbol constructor) =>
            _constructorMembers.GetOrAdd(constructor.OriginalDefinition, c =>
            {
                if (c.MethodKind != MethodKind.Constructor || c.Parameters.IsEmpty || !(_bodies.BodyOf(c) is IConstructorBodyOperation body)
                    || !((body.BlockBody ?? body.ExpressionBody) is { } block))
                {
                    return null;
                }

                ISymbol?[]? members = null;
                foreach (var statement in block.Operations)
                {
                    var assignment = (statement as IExpressionStatementOperation)?.Operation as ISimpleAssignmentOperation
                        ?? statement as ISimpleAssignmentOperation;
                    if (assignment is null || assignment.IsRef || !(Keys.Unwrap(assignment.Value) is IParameterReferenceOperation parameter)
                        || !(assignment.Target is IMemberReferenceOperation member) || !(member.Instance is IInstanceReferenceOperation)
                        || !(member is IFieldReferenceOperation || (member is IPropertyReferenceOperation property && property.Arguments.IsEmpty)))
                    {
                        continue;
                    }

                    (members ??= new ISymbol?[c.Parameters.Length])[parameter.Parameter.Ordinal] = member.Member;
                }

                return members;
            });

        private readonly ConcurrentDictionary<IFieldSymbol, IAnonymousFunctionOperation?> _fieldLambdas = new ConcurrentDictionary<IFieldSymbol, IAnonymousFunctionOperation?>(SymbolEqualityComparer.Default);

        /// <summary>
        /// The lambda a readonly delegate field of the compilation is initialised with in its declaration,
        /// when no constructor of its type assigns it: every invocation of the field runs that lambda.
        /// </summary>
        public IAnonymousFunctionOperation? LambdaOfField(IFieldSymbol field)
        {
            if (!field.IsReadOnly || field.Type.TypeKind != TypeKind.Delegate || field.DeclaringSyntaxReferences.Length != 1
                || !SymbolEqualityComparer.Default.Equals(field.ContainingAssembly, _symbols.Compilation.Assembly))
            {
                return null;
            }

            return _fieldLambdas.GetOrAdd(field, f =>
            {
                if (!(f.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is VariableDeclaratorSyntax declarator)
                    || !(declarator.Initializer?.Value is LambdaExpressionSyntax lambda))
                {
                    return null;
                }

                foreach (var constructor in f.ContainingType.Constructors)
                {
                    foreach (var reference in constructor.DeclaringSyntaxReferences)
                    {
                        foreach (var assignment in reference.GetSyntax(_cancellationToken).DescendantNodes().OfType<AssignmentExpressionSyntax>())
                        {
                            var target = assignment.Left is MemberAccessExpressionSyntax member ? member.Name : assignment.Left as SimpleNameSyntax;
                            if (target?.Identifier.ValueText == f.Name)
                            {
                                return null;
                            }
                        }
                    }
                }

                return Rules.DeepStack.Operation(_bodies.ModelOf(lambda.SyntaxTree), lambda, _cancellationToken) as IAnonymousFunctionOperation;
            });
        }

        /// <summary>The search in progress on this thread: the callees being summarised (a recursion is not followed).</summary>
        internal sealed class Search
        {
            public HashSet<IMethodSymbol> Methods { get; } = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);

            /// <summary>A callee was not followed because it was already being summarised: what depends on it is not cached.</summary>
            public bool Cut { get; set; }
        }

        /// <summary>What a call of <paramref name="method"/> does, over every body it may run; null when not known (no body, or the bodies disagree).</summary>
        public MappingSummary? Of(IMethodSymbol method, Search? search)
        {
            var targets = Dispatch.TargetsOf(method);
            if (targets.IsEmpty)
            {
                return null;
            }

            MappingSummary? combined = null;
            foreach (var target in targets)
            {
                var summary = OfBody(target, search ?? new Search());
                combined = combined is null ? summary : combined.Join(summary);
            }

            return combined;
        }

        private MappingSummary OfBody(IMethodSymbol method, Search search)
        {
            method = method.OriginalDefinition;
            if (_methods.TryGetValue(method, out var cached))
            {
                return cached;
            }

            if (search.Methods.Count >= MaxDepth || !search.Methods.Add(method))
            {
                search.Cut = true;
                return MappingSummary.Unknown;
            }

            var outer = search.Cut;
            search.Cut = false;
            var summary = Compute(method, search);
            search.Methods.Remove(method);
            if (!search.Cut)
            {
                summary = _methods.GetOrAdd(method, summary);
            }

            search.Cut |= outer;
            return summary;
        }

        private MappingSummary Compute(IMethodSymbol method, Search search)
        {
            var body = _bodies.BodyOf(method);
            if (body is null)
            {
                return MappingSummary.Unknown;
            }

            var recording = new MappingRecording(method, body, _symbols);
            var flow = new MappingFlow(_symbols, _ => { }, method, body.SemanticModel, this, search, recording);
            if (body is ILocalFunctionOperation local)
            {
                if (!(_bodies.LocalFunctionGraph(local) is { } localGraph) || !FlowSolver<MappingState>.Run(localGraph, flow))
                {
                    return MappingSummary.Unknown;
                }
            }
            else if (!StructuredFlow.TryRun(body, flow))
            {
                recording = new MappingRecording(method, body, _symbols);
                flow = new MappingFlow(_symbols, _ => { }, method, body.SemanticModel, this, search, recording);
                if (!(_bodies.GraphOf(body) is { } graph) || !FlowSolver<MappingState>.Run(graph, flow))
                {
                    return MappingSummary.Unknown;
                }
            }

            return recording.Summary();
        }
    }
}
