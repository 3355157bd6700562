using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Runs a <see cref="FlowAnalysis{TState}"/> in one pass over the operation tree of a body made
    /// only of statements, <c>if</c>/<c>else</c> (conditions joined with <c>&amp;&amp;</c>, <c>||</c>,
    /// <c>!</c>), <c>return</c> and <c>throw</c>, with no expression the control-flow graph would
    /// lower (<c>?:</c>, <c>??</c>, <c>?.</c>, lambdas, patterns, initializers...). For such a body
    /// the graph holds the same operations in the same order, splits conditions the same way and
    /// merges the same edges in the same order, so each operation is visited with the state the graph
    /// would give it; building the graph is what this saves. What the pass does not reproduce is which
    /// exit operation the graph names for a path (its blocks decide that): a caller uses the pass to
    /// learn whether anything is reported at all, and takes the graph for the diagnostics themselves.
    /// </summary>
    internal static class StructuredFlow
    {
        // Bounds the recursion on pathological nesting; deeper bodies take the graph.
        private const int MaxDepth = 64;

        /// <summary>Runs the pass; false, before anything is visited, when the body has a construct it does not follow.</summary>
        [MethodImpl(Jit.Optimized)]
        public static bool TryRun<TState>(IOperation root, FlowAnalysis<TState> analysis)
            where TState : class
        {
            IBlockOperation? body;
            switch (root)
            {
                case IMethodBodyOperation method when method.BlockBody is null || method.ExpressionBody is null:
                    body = method.BlockBody ?? method.ExpressionBody;
                    break;
                case IConstructorBodyOperation constructor when constructor.Initializer is null && (constructor.BlockBody is null || constructor.ExpressionBody is null):
                    body = constructor.BlockBody ?? constructor.ExpressionBody;
                    break;
                default:
                    return false;
            }

            if (body is null || !IsStructured(body, 0))
            {
                return false;
            }

            foreach (var end in Statement(body, new List<TState> { analysis.Entry }, analysis))
            {
                // The graph leaves through each of these edges separately.
                analysis.AtExit(end, ExitKind.Return, null);
            }

            return true;
        }

        /// <summary>
        /// The edges that leave a statement for the next one, in the order the graph merges them (the
        /// order of their source blocks, which is the source order): the join of several states is not
        /// associative — a binding two paths disagree on is dropped, then taken from a third path that
        /// has it — so the pass joins them as the graph does, left to right, where the next block starts.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private static List<TState> Statement<TState>(IOperation statement, List<TState> incoming, FlowAnalysis<TState> analysis)
            where TState : class
        {
            switch (statement)
            {
                case IBlockOperation block:
                    var current = incoming;
                    foreach (var inner in block.Operations)
                    {
                        if (current.Count == 0)
                        {
                            // The rest of the block is unreachable: the graph does not visit it either.
                            break;
                        }

                        current = Statement(inner, current, analysis);
                    }

                    return current;
                case IConditionalOperation conditional:
                    {
                        var (whenTrue, whenFalse) = Branch(conditional.Condition, Join(incoming, analysis), analysis);
                        // Branch gives each side at least one edge.
                        var afterTrue = Statement(conditional.WhenTrue, whenTrue, analysis);
                        if (conditional.WhenFalse is not { } otherwise)
                        {
                            // Without an else, the false edges leave the condition's blocks, before the then-branch's.
                            whenFalse.AddRange(afterTrue);
                            return whenFalse;
                        }

                        afterTrue.AddRange(Statement(otherwise, whenFalse, analysis));
                        return afterTrue;
                    }

                case IReturnOperation @return:
                    {
                        var state = Join(incoming, analysis);
                        var exit = @return.ReturnedValue is { } value ? analysis.Returned(value, state, report: true) : state;
                        analysis.AtExit(exit, ExitKind.Return, @return.ReturnedValue ?? @return);
                        return new List<TState>();
                    }

                case IThrowOperation @throw:
                    analysis.AtExit(analysis.Visit(@throw.Exception!, Join(incoming, analysis), report: true), ExitKind.Throw, @throw.Exception);
                    return new List<TState>();
                case IEmptyOperation _:
                    return incoming;
                default:
                    return new List<TState> { analysis.Visit(statement, Join(incoming, analysis), report: true) };
            }
        }

        /// <summary>
        /// The true and false edges of a condition, as the graph splits it: one branch per operand of
        /// <c>&amp;&amp;</c>/<c>||</c>, each edge list in source order, <c>!</c> swapping the two.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private static (List<TState> WhenTrue, List<TState> WhenFalse) Branch<TState>(IOperation condition, TState state, FlowAnalysis<TState> analysis)
            where TState : class
        {
            switch (condition)
            {
                case IUnaryOperation unary when unary.OperatorKind == UnaryOperatorKind.Not:
                    {
                        var (whenTrue, whenFalse) = Branch(unary.Operand, state, analysis);
                        return (whenFalse, whenTrue);
                    }

                case IBinaryOperation binary when binary.OperatorKind == BinaryOperatorKind.ConditionalAnd:
                    {
                        var (leftTrue, leftFalse) = Branch(binary.LeftOperand, state, analysis);
                        var (rightTrue, rightFalse) = Branch(binary.RightOperand, Join(leftTrue, analysis), analysis);
                        leftFalse.AddRange(rightFalse);
                        return (rightTrue, leftFalse);
                    }

                case IBinaryOperation binary when binary.OperatorKind == BinaryOperatorKind.ConditionalOr:
                    {
                        var (leftTrue, leftFalse) = Branch(binary.LeftOperand, state, analysis);
                        var (rightTrue, rightFalse) = Branch(binary.RightOperand, Join(leftFalse, analysis), analysis);
                        leftTrue.AddRange(rightTrue);
                        return (leftTrue, rightFalse);
                    }

                default:
                    analysis.Split(condition, analysis.Visit(condition, state, report: true), out var onTrue, out var onFalse);
                    return (new List<TState> { onTrue }, new List<TState> { onFalse });
            }
        }

        /// <summary>The entry state of the block the edges lead to: their join, left to right.</summary>
        [MethodImpl(Jit.Optimized)]
        private static TState Join<TState>(List<TState> edges, FlowAnalysis<TState> analysis)
            where TState : class
        {
            var state = edges[0];
            for (var i = 1; i < edges.Count; i++)
            {
                state = analysis.Merge(state, edges[i]);
            }

            return state;
        }

        /// <summary>Statements and conditions this pass follows exactly as the graph does.</summary>
        private static bool IsStructured(IOperation statement, int depth)
        {
            if (depth > MaxDepth)
            {
                return false;
            }

            switch (statement)
            {
                case IBlockOperation block:
                    foreach (var inner in block.Operations)
                    {
                        if (!IsStructured(inner, depth + 1))
                        {
                            return false;
                        }
                    }

                    return true;
                case IConditionalOperation conditional:
                    return IsCondition(conditional.Condition, depth + 1) && IsStructured(conditional.WhenTrue, depth + 1)
                        && (conditional.WhenFalse is null || IsStructured(conditional.WhenFalse, depth + 1));
                case IReturnOperation @return:
                    return @return.Kind == OperationKind.Return && (@return.ReturnedValue is null || IsPlain(@return.ReturnedValue, depth + 1));
                case IThrowOperation @throw:
                    return @throw.Exception is not null && IsPlain(@throw.Exception, depth + 1);
                case IEmptyOperation _:
                    return true;
                case IExpressionStatementOperation expression:
                    return IsPlain(expression.Operation, depth + 1);
                case IVariableDeclarationGroupOperation group:
                    foreach (var declaration in group.Declarations)
                    {
                        if (declaration.Initializer is not null)
                        {
                            return false;
                        }

                        foreach (var declarator in declaration.Declarators)
                        {
                            // A constant local has no assignment in the graph; an array-bounds initializer is not followed.
                            if (declarator.Symbol.IsConst || !declarator.IgnoredArguments.IsEmpty
                                || (declarator.Initializer is { } initializer && !IsPlain(initializer.Value, depth + 1)))
                            {
                                return false;
                            }
                        }
                    }

                    return true;
                default:
                    return false;
            }
        }

        private static bool IsCondition(IOperation condition, int depth)
        {
            switch (condition)
            {
                case IUnaryOperation unary when unary.OperatorKind == UnaryOperatorKind.Not && !unary.IsLifted:
                    return depth <= MaxDepth && IsCondition(unary.Operand, depth + 1);
                case IBinaryOperation binary when (binary.OperatorKind == BinaryOperatorKind.ConditionalAnd || binary.OperatorKind == BinaryOperatorKind.ConditionalOr)
                    && !binary.IsLifted && binary.OperatorMethod is null:
                    return depth <= MaxDepth && IsCondition(binary.LeftOperand, depth + 1) && IsCondition(binary.RightOperand, depth + 1);
                default:
                    // A constant condition is folded by the graph (one edge only).
                    return !condition.ConstantValue.HasValue && condition.Type?.SpecialType == SpecialType.System_Boolean && IsPlain(condition, depth);
            }
        }

        /// <summary>An expression the graph keeps as it is: no branch inside, nothing it rewrites into captures.</summary>
        private static bool IsPlain(IOperation expression, int depth)
        {
            if (depth > MaxDepth)
            {
                return false;
            }

            switch (expression)
            {
                case ILiteralOperation _:
                case ILocalReferenceOperation _:
                case IParameterReferenceOperation _:
                case IInstanceReferenceOperation _:
                case IDefaultValueOperation _:
                case ITypeOfOperation _:
                case ISizeOfOperation _:
                case INameOfOperation _:
                    break;
                case IBinaryOperation binary when binary.OperatorKind == BinaryOperatorKind.ConditionalAnd || binary.OperatorKind == BinaryOperatorKind.ConditionalOr:
                    return false;
                case IBinaryOperation _:
                case IUnaryOperation _:
                case IConversionOperation _:
                case IFieldReferenceOperation _:
                case IPropertyReferenceOperation _:
                case IArrayElementReferenceOperation _:
                case IInvocationOperation _:
                case IArgumentOperation _:
                case ISimpleAssignmentOperation _:
                case ICompoundAssignmentOperation _:
                case IIncrementOrDecrementOperation _:
                    break;
                case IObjectCreationOperation creation when creation.Initializer is null:
                    break;
                case IArrayCreationOperation array when array.Initializer is null:
                    break;
                default:
                    return false;
            }

            foreach (var child in expression.ChildOperations)
            {
                if (!IsPlain(child, depth + 1))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
