"""Indicator definitions: what validate_definition accepts, how it normalises, and what it refuses."""

import pytest
from django.core.exceptions import ValidationError

from schools.models import KindergartenGrade, Ownership, SchoolType
from targets import definitions as d
from targets.definitions import validate_definition
from tests.factories import DataElementFactory, DesignationFactory, IndicatorFactory

pytestmark = pytest.mark.django_db

FILTER_FIELD_NAMES = "school_type、ownership、inclusive、grade、designation、element"


@pytest.fixture(autouse=True)
def elements():
    DataElementFactory(code="kg_children", name="在园幼儿数")
    DataElementFactory(code="kg_age_population", name="学前三年适龄人口", region_level=True)
    DesignationFactory(code="safe-kindergarten", name="平安幼儿园")


def children(**extra) -> dict:
    return {"agg": "sum", "element": "kg_children", **extra}


def ratio(**extra) -> dict:
    return {"numerator": children(), "denominator": children(), "factor": 100, **extra}


def with_filter(field, op, value) -> dict:
    return {"numerator": {"agg": "count", "filters": [{"field": field, "op": op, "value": value}]}}


def assert_rejected(definition, message):
    with pytest.raises(ValidationError) as exc:
        validate_definition(definition)
    assert exc.value.messages == [str(message)]


def test_a_ratio_of_sums_with_a_grade_filter_is_accepted_and_normalised():
    definition = {
        "numerator": children(filters=[{"field": "grade", "op": "ge", "value": KindergartenGrade.L2_STAR3.value}]),
        "denominator": children(),
        "factor": 100,
    }

    assert validate_definition(definition) == {
        "numerator": {
            "source": "schools",
            "agg": "sum",
            "element": "kg_children",
            "filters": [{"field": "grade", "op": "ge", "value": 40}],
            "times_region_element": None,
        },
        "denominator": {
            "source": "schools",
            "agg": "sum",
            "element": "kg_children",
            "filters": [],
            "times_region_element": None,
        },
        "factor": 100,
        "period": "year",
    }


def test_a_definition_without_factor_or_denominator_gets_the_defaults():
    result = validate_definition({"numerator": {"agg": "count"}})

    assert (result["denominator"], result["factor"], result["period"]) == (None, 1, "year")


def test_a_norm_every_township_has_a_public_kindergarten_is_accepted():
    definition = {
        "norm": {
            "unit": "township",
            "measure": {
                "agg": "count",
                "filters": [
                    {"field": "school_type", "op": "eq", "value": SchoolType.KINDERGARTEN},
                    {"field": "ownership", "op": "eq", "value": Ownership.PUBLIC},
                ],
            },
            "op": "ge",
            "value": 1,
        }
    }

    assert validate_definition(definition) == {
        "norm": {
            "unit": "township",
            "schools": [],
            "measure": {
                "source": "schools",
                "agg": "count",
                "element": None,
                "filters": [
                    {"field": "school_type", "op": "eq", "value": "kindergarten"},
                    {"field": "ownership", "op": "eq", "value": "public"},
                ],
                "times_region_element": None,
            },
            "per": None,
            "op": "ge",
            "value": 1,
        }
    }


def test_a_denominator_entered_for_the_region_is_accepted():
    definition = {
        "numerator": children(),
        "denominator": {"source": "region", "element": "kg_age_population"},
        "factor": 100,
    }

    result = validate_definition(definition)

    assert result["denominator"] == {"source": "region", "agg": "sum", "element": "kg_age_population"}


def test_a_designation_filter_naming_an_existing_designation_is_accepted():
    result = validate_definition(with_filter("designation", "has", "safe-kindergarten"))

    assert result["numerator"]["filters"] == [{"field": "designation", "op": "has", "value": "safe-kindergarten"}]


@pytest.mark.parametrize("definition", [[], "numerator", 42, None])
def test_a_definition_that_is_not_an_object_is_rejected(definition):
    assert_rejected(definition, d.ERR_NOT_OBJECT)


def test_a_definition_without_numerator_is_rejected():
    assert_rejected({"denominator": children()}, d.ERR_NEED_NUMERATOR)


def test_a_definition_with_both_numerator_and_norm_is_rejected():
    assert_rejected({"numerator": children(), "norm": {}}, d.ERR_BOTH_FORMS)


def test_an_unknown_key_is_rejected():
    assert_rejected(ratio(formula="a/b"), d.ERR_UNKNOWN_KEYS.format(where="计算定义", keys="formula"))


def test_an_unknown_key_inside_an_aggregate_is_rejected():
    definition = {"numerator": children(sql="select 1")}

    assert_rejected(definition, d.ERR_UNKNOWN_KEYS.format(where="分子", keys="sql"))


def test_an_unknown_element_code_is_rejected():
    definition = {"numerator": {"agg": "sum", "element": "no_such_element"}}

    assert_rejected(definition, d.ERR_UNKNOWN_ELEMENT.format(where="分子", code="no_such_element"))


def test_a_school_level_element_used_as_a_region_source_is_rejected():
    definition = {"numerator": children(), "denominator": {"source": "region", "element": "kg_children"}}

    assert_rejected(
        definition,
        d.ERR_ELEMENT_LEVEL.format(where="分母", code="kg_children", actual="学校填报", expected="区域填报"),
    )


def test_a_region_level_element_summed_over_schools_is_rejected():
    definition = {"numerator": {"agg": "sum", "element": "kg_age_population"}}

    assert_rejected(
        definition,
        d.ERR_ELEMENT_LEVEL.format(where="分子", code="kg_age_population", actual="区域填报", expected="学校填报"),
    )


def test_a_sum_without_element_is_rejected():
    assert_rejected({"numerator": {"agg": "sum"}}, d.ERR_SUM_NEEDS_ELEMENT.format(where="分子"))


def test_a_count_with_an_element_is_rejected():
    definition = {"numerator": children(), "denominator": {"agg": "count", "element": "kg_children"}}

    assert_rejected(definition, d.ERR_COUNT_NO_ELEMENT.format(where="分母"))


def test_an_unknown_aggregate_is_rejected():
    assert_rejected({"numerator": {"agg": "avg"}}, d.ERR_BAD_AGG.format(where="分子", value="avg"))


def test_an_unknown_filter_field_is_rejected():
    assert_rejected(with_filter("name", "eq", "x"), d.ERR_BAD_FIELD.format(value="name", choices=FILTER_FIELD_NAMES))


def test_an_operator_the_field_does_not_support_is_rejected():
    assert_rejected(
        with_filter("ownership", "ge", Ownership.PUBLIC),
        d.ERR_BAD_OP.format(field="ownership", value="ge", choices="eq"),
    )


@pytest.mark.parametrize(
    ("field", "op", "value"),
    [
        ("school_type", "eq", "university"),
        ("school_type", "in", []),
        ("ownership", "eq", "state"),
        ("grade", "ge", 35),
        ("designation", "has", "no-such-designation"),
        ("inclusive", "eq", "yes"),
    ],
)
def test_a_filter_value_outside_the_allowed_set_is_rejected(field, op, value):
    assert_rejected(with_filter(field, op, value), d.ERR_BAD_VALUE.format(field=field, value=value))


@pytest.mark.parametrize("factor", [0, -100, "0", "abc", True])
def test_a_factor_that_is_not_a_positive_number_is_rejected(factor):
    assert_rejected(ratio(factor=factor), d.ERR_BAD_FACTOR)


def test_an_unknown_period_is_rejected():
    assert_rejected(ratio(period="month"), d.ERR_BAD_PERIOD)


def test_a_norm_over_an_unknown_unit_is_rejected():
    definition = {"norm": {"unit": "county", "measure": {"agg": "count"}, "op": "ge", "value": 1}}

    assert_rejected(definition, d.ERR_BAD_UNIT)


def test_a_norm_with_an_unknown_operator_is_rejected():
    definition = {"norm": {"unit": "school", "measure": {"agg": "count"}, "op": "gt", "value": 1}}

    assert_rejected(definition, d.ERR_NORM_OP)


@pytest.mark.parametrize(
    "field",
    [
        "__import__('os').system('id')",
        "grade; DROP TABLE schools_school; --",
        "region__path",
        ["grade"],
    ],
)
def test_code_or_sql_in_a_field_name_is_rejected_not_run(field):
    assert_rejected(with_filter(field, "eq", 1), d.ERR_BAD_FIELD.format(value=field, choices=FILTER_FIELD_NAMES))


def test_code_in_an_element_code_is_looked_up_not_run():
    code = "kg_children' OR '1'='1"

    assert_rejected(
        {"numerator": {"agg": "sum", "element": code}}, d.ERR_UNKNOWN_ELEMENT.format(where="分子", code=code)
    )


def test_an_indicator_with_a_bad_definition_fails_full_clean_on_the_definition_field():
    indicator = IndicatorFactory.build(definition={"numerator": {"agg": "sum"}})

    with pytest.raises(ValidationError) as exc:
        indicator.full_clean()

    assert exc.value.message_dict["definition"] == [d.ERR_SUM_NEEDS_ELEMENT.format(where="分子")]


def test_an_indicator_full_clean_stores_the_normalised_definition():
    indicator = IndicatorFactory(definition={"numerator": children(), "denominator": children(), "factor": 100})

    indicator.full_clean()

    assert indicator.definition["period"] == "year"
    assert indicator.definition["numerator"]["filters"] == []
