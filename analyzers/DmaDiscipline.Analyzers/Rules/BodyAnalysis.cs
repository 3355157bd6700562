using System;
using System.Collections.Generic;
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
        public static bool IsRoot(IOperation block) =>
            block.Kind == OperationKind.MethodBody || block.Kind == OperationKind.ConstructorBody || block.Kind == OperationKind.Block
            || block.Kind == OperationKind.FieldInitializer || block.Kind == OperationKind.PropertyInitializer;

        /// <summary>Runs <paramref name="analyse"/> once per graph of the context's blocks (a constructor's initializer and body share one).</summary>
        public static void ForEachGraph(OperationBlockAnalysisContext context, IOperation block, HashSet<ControlFlowGraph> seen, Action<ControlFlowGraph, ISymbol> analyse)
        {
            var graph = context.GetControlFlowGraph(block);
            if (seen.Add(graph))
            {
                Visit(graph, context.OwningSymbol, analyse, depth: 0);
            }
        }

        private static void Visit(ControlFlowGraph graph, ISymbol owner, Action<ControlFlowGraph, ISymbol> analyse, int depth)
        {
            analyse(graph, owner);
            if (depth > 8)
            {
                return;
            }

            foreach (var localFunction in graph.LocalFunctions)
            {
                Visit(graph.GetLocalFunctionControlFlowGraph(localFunction), localFunction, analyse, depth + 1);
            }

            foreach (var block in graph.Blocks)
            {
                foreach (var operation in block.Operations)
                {
                    foreach (var lambda in Lambdas(operation))
                    {
                        Visit(graph.GetAnonymousFunctionControlFlowGraph(lambda), lambda.Symbol, analyse, depth + 1);
                    }
                }

                if (block.BranchValue is { } branchValue)
                {
                    foreach (var lambda in Lambdas(branchValue))
                    {
                        Visit(graph.GetAnonymousFunctionControlFlowGraph(lambda), lambda.Symbol, analyse, depth + 1);
                    }
                }
            }
        }

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
