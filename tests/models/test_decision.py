"""The decision diagram evaluated on scenarios: paths, reasons and the recommendation."""

from __future__ import annotations

from lmi_explorer.models.decision import evaluate

EVEN = {"input_mean": 1000, "input_cv": 0.1, "output_mean": 500, "output_cv": 0.1, "ttft_s": 5.0, "tpot_ms": 60}
UNEVEN = {"input_mean": 550, "input_cv": 0.47, "output_mean": 550, "output_cv": 0.47}


def test_even_traffic_goes_to_tensorrt_llm(make_scenario):
    d = evaluate(make_scenario(**EVEN))
    assert d.path[:5] == ("start", "hardware", "model_support", "traffic", "trtllm")
    assert d.recommendation.backend == "trtllm"
    assert "Even traffic" in d.steps[2].reason
    assert "input spread 0.10" in d.steps[2].values


def test_uneven_traffic_goes_to_lmi_dist_then_vllm(make_scenario):
    d14 = evaluate(make_scenario(lmi_release=14, **UNEVEN))
    assert d14.path[4] == "dynamic"
    assert d14.recommendation.backend == "lmi-dist"
    assert d14.recommendation.image.endswith("lmi14.0.0-cu126")
    d20 = evaluate(make_scenario(lmi_release=20, **UNEVEN))
    assert d20.recommendation.backend == "vllm"
    assert "Uneven traffic (spread 0.47" in d20.steps[2].reason


def test_t5_goes_to_tensorrt_llm(make_scenario):
    d = evaluate(make_scenario(model_id="google/flan-t5-xl", lmi_release=12))
    assert d.path[:4] == ("start", "hardware", "model_support", "trtllm_t5")
    assert d.recommendation.backend == "trtllm"


def test_inferentia_only_for_architectures_neuronx_supports(make_scenario):
    d = evaluate(make_scenario(lmi_release=14, hardware="inferentia"))
    assert d.path[:3] == ("start", "hardware", "neuronx")
    assert d.recommendation.backend == "tnx"
    assert d.recommendation.instance.startswith(("inf2", "trn1"))
    falcon = evaluate(make_scenario(lmi_release=14, hardware="both", model_id="tiiuae/falcon-7b"))
    assert "neuronx" not in falcon.path
    assert "NeuronX does not list the 'falcon' architecture" in falcon.steps[0].reason
    falcon20 = evaluate(make_scenario(lmi_release=20, hardware="both", model_id="tiiuae/falcon-7b"))
    assert "neuronx" not in falcon20.path  # AWS's Neuron vLLM container does not list falcon either
    assert "vLLM on Neuron (NxD Inference) does not list the 'falcon' architecture" in falcon20.steps[0].reason


def test_quantized_branch_names_the_saving(make_scenario):
    d = evaluate(make_scenario())
    assert d.path[-2] == "cost"
    if d.path[-1] == "quantized":
        assert "saves $" in d.steps[-1].reason


def test_model_that_fits_nowhere_says_what_would(make_scenario):
    d = evaluate(make_scenario(model_id="meta-llama/Llama-3.1-405B", instance_families=("g5",), precisions=("bf16",)))
    assert d.path[-1] == "nothing_fits"
    assert d.recommendation.instance is None
    assert "would fit" in d.recommendation.summary


def test_disagreement_is_reported_when_the_rule_costs_more(make_scenario):
    # Chat traffic (uneven) sends Mistral-7B to vLLM, but TensorRT-LLM's AWQ engine on g4dn is
    # cheaper in the estimate: the result must say so in words.
    d = evaluate(make_scenario(model_id="mistralai/Mistral-7B-v0.1", **UNEVEN))
    assert d.recommendation.backend == "vllm"
    assert d.disagreement is not None
    assert d.disagreement.startswith("The guide's rule points to vLLM, but the estimate finds TensorRT-LLM cheaper")


def test_no_disagreement_when_the_rule_is_also_cheapest(make_scenario):
    d = evaluate(make_scenario(**EVEN))
    assert d.disagreement is None
