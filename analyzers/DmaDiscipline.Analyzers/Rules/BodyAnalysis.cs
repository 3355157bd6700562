using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Rules
{
    /// <summary>Finds the control-flow graphs of an operation block: the body, and its lambdas and local functions as bodies of their own.</summary>
    internal static class BodyAnalysis
    {
        /// <summary>Executable blocks (bodies, initializers); attributes and parameter defaults have no graph worth analysing.</summary>
        [MethodImpl(Jit.Optimized)]
        public static bool IsRoot(IOperation block) =>
            block.Kind == OperationKind.MethodBody || block.Kind == OperationKind.ConstructorBody || block.Kind == OperationKind.Block
            || block.Kind == OperationKind.FieldInitializer || block.Kind == OperationKind.PropertyInitializer;

        /// <summary>The operation tree of a code block, when it is a body the flow analyses handle.</summary>
        [MethodImpl(Jit.Optimized)]
        public static IOperation? RootOf(CodeBlockAnalysisContext context)
        {
            var operation = DeepStack.Operation(context.SemanticModel, context.CodeBlock, context.CancellationToken);
            return operation is not null && operation.Parent is null && IsRoot(operation) ? operation : null;
        }

        /// <summary>
        /// Runs <paramref name="analyse"/> on the graph of a root operation, then of its lambdas and
        /// local functions. Each analyzer builds its own graph: the bodies two analyzers both analyse
        /// are few, and a table shared by every callback of the build cost more in locking and in the
        /// garbage collector's handle scanning than the graphs it saved.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public static void ForEachGraph(IOperation root, ISymbol owner, System.Threading.CancellationToken cancellationToken, Action<ControlFlowGraph, ISymbol> analyse, Action<ISymbol, string>? skipped = null)
        {
            DeepStack.Run(root.Syntax, () =>
            {
                if (CreateGraph(root, cancellationToken) is { } graph)
                {
                    Visit(graph, owner, analyse, depth: 0, MayHaveLambdas(root.Syntax), skipped);
                }

                return true;
            });
        }

        /// <summary>
        /// A "not analysed" diagnostic (<paramref name="descriptor"/>: DMA902, DMA903) on a member,
        /// lambda or local function whose body the rules named by <paramref name="rules"/> could not follow.
        /// </summary>
        public static Diagnostic NotAnalysed(DiagnosticDescriptor descriptor, SyntaxNode block, ISymbol owner, string rules, string reason)
        {
            var location = block.GetLocation();
            foreach (var candidate in owner.Locations)
            {
                if (candidate.IsInSource && candidate.SourceTree == block.SyntaxTree)
                {
                    location = candidate;
                    break;
                }
            }

            var name = owner is IMethodSymbol method && method.MethodKind == MethodKind.AnonymousFunction ? "This lambda" : "'" + owner.Name + "'";
            return Diagnostic.Create(descriptor, location, name, rules, reason);
        }

        // Lambdas and local functions nested deeper than this are not analysed (each level is a graph of its own).
        private const int MaxNesting = 8;

        /// <summary>A lambda or anonymous method needs <c>=&gt;</c> or <c>delegate</c> in the text; without either no operation is searched for one.</summary>
        [MethodImpl(Jit.Optimized)]
        private static bool MayHaveLambdas(SyntaxNode body)
        {
            var text = SourceWords.TextOf(body.SyntaxTree);
            var start = body.SpanStart;
            var length = Math.Min(body.Span.End, text.Length) - start;
            return length > 0
                && (text.IndexOf("=>", start, length, StringComparison.Ordinal) >= 0 || text.IndexOf("delegate", start, length, StringComparison.Ordinal) >= 0);
        }

        [MethodImpl(Jit.Optimized)]
        private static ControlFlowGraph? CreateGraph(IOperation root, System.Threading.CancellationToken cancellationToken)
        {
            return root switch
            {
                IMethodBodyOperation body => ControlFlowGraph.Create(body, cancellationToken),
                IConstructorBodyOperation constructor => ControlFlowGraph.Create(constructor, cancellationToken),
                IBlockOperation block => ControlFlowGraph.Create(block, cancellationToken),
                IFieldInitializerOperation field => ControlFlowGraph.Create(field, cancellationToken),
                IPropertyInitializerOperation property => ControlFlowGraph.Create(property, cancellationToken),
                _ => null,
            };
        }

        [MethodImpl(Jit.Optimized)]
        private static void Visit(ControlFlowGraph graph, ISymbol owner, Action<ControlFlowGraph, ISymbol> analyse, int depth, bool lambdas, Action<ISymbol, string>? skipped)
        {
            analyse(graph, owner);
            if (depth > MaxNesting)
            {
                if (skipped is not null)
                {
                    // Said, not dropped: each function nested deeper is named.
                    foreach (var localFunction in graph.LocalFunctions)
                    {
                        skipped(localFunction, "it is nested more than " + (MaxNesting + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + " lambdas or local functions deep");
                    }

                    foreach (var block in graph.Blocks)
                    {
                        foreach (var operation in block.Operations)
                        {
                            foreach (var lambda in Lambdas(operation))
                            {
                                skipped(lambda.Symbol, "it is nested more than " + (MaxNesting + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + " lambdas or local functions deep");
                            }
                        }
                    }
                }

                return;
            }

            foreach (var localFunction in graph.LocalFunctions)
            {
                Visit(graph.GetLocalFunctionControlFlowGraph(localFunction), localFunction, analyse, depth + 1, lambdas, skipped);
            }

            if (!lambdas)
            {
                return;
            }

            foreach (var block in graph.Blocks)
            {
                foreach (var operation in block.Operations)
                {
                    foreach (var lambda in Lambdas(operation))
                    {
                        Visit(graph.GetAnonymousFunctionControlFlowGraph(lambda), lambda.Symbol, analyse, depth + 1, lambdas, skipped);
                    }
                }

                if (block.BranchValue is { } branchValue)
                {
                    foreach (var lambda in Lambdas(branchValue))
                    {
                        Visit(graph.GetAnonymousFunctionControlFlowGraph(lambda), lambda.Symbol, analyse, depth + 1, lambdas, skipped);
                    }
                }
            }
        }

        [MethodImpl(Jit.Optimized)]
        private static IEnumerable<IFlowAnonymousFunctionOperation> Lambdas(IOperation operation)
        {
            if (operation is IFlowAnonymousFunctionOperation self)
            {
                yield return self;
                yield break;
            }

            foreach (var descendant in operation.Descendants())
            {
                if (descendant is IFlowAnonymousFunctionOperation lambda)
                {
                    yield return lambda;
                }
            }
        }
    }
}
