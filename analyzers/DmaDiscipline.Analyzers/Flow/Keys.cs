using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>Storage locations the flow analyses track by identity: locals, parameters, fields of this instance, flow captures (and the <c>?:</c> values that stand for them in a tree).</summary>
    internal static class Keys
    {
        [MethodImpl(Jit.Optimized)]
        public static object? Of(IOperation? operation)
        {
            switch (operation)
            {
                case ILocalReferenceOperation local:
                    return local.Local;
                case IParameterReferenceOperation parameter:
                    return parameter.Parameter;
                case IFieldReferenceOperation field when field.Instance is null || field.Instance is IInstanceReferenceOperation:
                    return field.Field;
                case IFlowCaptureReferenceOperation capture:
                    return capture.Id;
                case IConditionalOperation conditional when conditional.WhenFalse is not null && !conditional.IsRef:
                    // The value of a ?: in an operation tree: what the graph would hold in a flow capture.
                    return conditional;
                case IConversionOperation conversion when conversion.IsImplicit:
                    return Of(conversion.Operand);
                case IDeclarationExpressionOperation declaration:
                    return Of(declaration.Expression);
                default:
                    return null;
            }
        }

        /// <summary>Short source text of an operation for messages.</summary>
        public static string Describe(IOperation operation)
        {
            var text = operation.Syntax.ToString();
            text = text.Replace("\r", " ").Replace("\n", " ");
            if (text.Length > 60)
            {
                text = text.Substring(0, 57) + "...";
            }

            return "'" + text + "'";
        }

        public static int Line(IOperation operation) => operation.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

        [MethodImpl(Jit.Optimized)]
        public static IOperation Unwrap(IOperation operation)
        {
            while (operation is IConversionOperation conversion && conversion.IsImplicit)
            {
                operation = conversion.Operand;
            }

            return operation;
        }

        [MethodImpl(Jit.Optimized)]
        public static CaptureId? CaptureOf(IOperation operation) => (operation as IFlowCaptureReferenceOperation)?.Id;
    }
}
