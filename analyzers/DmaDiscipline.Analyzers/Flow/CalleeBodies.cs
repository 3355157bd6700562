using System.Collections.Concurrent;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// The bodies of the compilation's own methods, as operations and control-flow graphs, for the
    /// summaries of callees (address and mapping summaries alike): one semantic model per tree, the
    /// driver's own where it offered one, else made once.
    /// </summary>
    internal sealed class CalleeBodies
    {
        private readonly Compilation _compilation;
        private readonly CancellationToken _cancellationToken;
        private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new ConcurrentDictionary<SyntaxTree, SemanticModel>();

        public CalleeBodies(Compilation compilation, CancellationToken cancellationToken)
        {
            _compilation = compilation;
            _cancellationToken = cancellationToken;
        }

        /// <summary>A model the driver already has for a tree: callees there are bound through it.</summary>
        public void Offer(SemanticModel model) => _models.TryAdd(model.SyntaxTree, model);

        public SemanticModel ModelOf(SyntaxTree tree)
        {
            if (!_models.TryGetValue(tree, out var model))
            {
#pragma warning disable RS1030 // Callees live in trees the driver may not have offered yet; one model per tree.
                model = _models.GetOrAdd(tree, _compilation.GetSemanticModel(tree));
#pragma warning restore RS1030
            }

            return model;
        }

        /// <summary>The body of a method declared in this compilation, or null (abstract, extern, metadata).</summary>
        public IOperation? BodyOf(IMethodSymbol method)
        {
            if (method.IsAbstract || method.IsExtern || method.DeclaringSyntaxReferences.IsEmpty
                || !SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _compilation.Assembly))
            {
                return null;
            }

            var syntax = method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken);
            return _compilation.ContainsSyntaxTree(syntax.SyntaxTree) ? Rules.DeepStack.Operation(ModelOf(syntax.SyntaxTree), syntax, _cancellationToken) : null;
        }

        /// <summary>The graph of a local function: from its enclosing body's graph, through the local functions that nest it.</summary>
        public ControlFlowGraph? LocalFunctionGraph(ILocalFunctionOperation local)
        {
            var root = (IOperation)local;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            return GraphOf(root) is { } graph ? Find(graph, local.Symbol, 0) : null;

            static ControlFlowGraph? Find(ControlFlowGraph graph, IMethodSymbol symbol, int depth)
            {
                foreach (var candidate in graph.LocalFunctions)
                {
                    var inner = graph.GetLocalFunctionControlFlowGraph(candidate);
                    if (SymbolEqualityComparer.Default.Equals(candidate, symbol))
                    {
                        return inner;
                    }

                    if (depth < 8 && Find(inner, symbol, depth + 1) is { } nested)
                    {
                        return nested;
                    }
                }

                return null;
            }
        }

        /// <summary>The graph of a lambda: from its enclosing body's graph (a field's initialiser included), through the lambdas and local functions that nest it.</summary>
        public ControlFlowGraph? LambdaGraph(IAnonymousFunctionOperation lambda)
        {
            var root = (IOperation)lambda;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            var graph = root switch
            {
                IFieldInitializerOperation field => Rules.DeepStack.Run(root.Syntax, () => ControlFlowGraph.Create(field, _cancellationToken)),
                IPropertyInitializerOperation property => Rules.DeepStack.Run(root.Syntax, () => ControlFlowGraph.Create(property, _cancellationToken)),
                _ => GraphOf(root),
            };
            return graph is null ? null : Find(graph, lambda.Symbol, 0);

            static ControlFlowGraph? Find(ControlFlowGraph graph, IMethodSymbol symbol, int depth)
            {
                foreach (var block in graph.Blocks)
                {
                    foreach (var operation in block.Operations)
                    {
                        if (FindIn(graph, operation, symbol, depth) is { } found)
                        {
                            return found;
                        }
                    }

                    if (block.BranchValue is { } branch && FindIn(graph, branch, symbol, depth) is { } inBranch)
                    {
                        return inBranch;
                    }
                }

                if (depth < 8)
                {
                    foreach (var local in graph.LocalFunctions)
                    {
                        if (Find(graph.GetLocalFunctionControlFlowGraph(local), symbol, depth + 1) is { } nested)
                        {
                            return nested;
                        }
                    }
                }

                return null;
            }

            static ControlFlowGraph? FindIn(ControlFlowGraph graph, IOperation operation, IMethodSymbol symbol, int depth)
            {
                foreach (var node in operation.DescendantsAndSelf())
                {
                    if (node is IFlowAnonymousFunctionOperation candidate)
                    {
                        var inner = graph.GetAnonymousFunctionControlFlowGraph(candidate);
                        if (SymbolEqualityComparer.Default.Equals(candidate.Symbol, symbol))
                        {
                            return inner;
                        }

                        if (depth < 8 && Find(inner, symbol, depth + 1) is { } nested)
                        {
                            return nested;
                        }
                    }
                }

                return null;
            }
        }

        /// <summary>The graph of a whole body (method, constructor, top-level block), or null.</summary>
        public ControlFlowGraph? GraphOf(IOperation operation) => Rules.DeepStack.Run(operation.Syntax, () => operation switch
        {
            IMethodBodyOperation body => ControlFlowGraph.Create(body, _cancellationToken),
            IConstructorBodyOperation constructor => ControlFlowGraph.Create(constructor, _cancellationToken),
            IBlockOperation block when block.Parent is null => ControlFlowGraph.Create(block, _cancellationToken),
            _ => (ControlFlowGraph?)null,
        });
    }
}
